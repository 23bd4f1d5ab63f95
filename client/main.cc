// gauntlet-client: Gauntlet's reference SMTP submission client.
#include "client/client_main.h"

int main(int argc, char** argv) {
  return gauntlet::client::ClientMain(argc, argv);
}
