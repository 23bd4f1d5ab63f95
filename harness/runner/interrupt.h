// Ctrl-C for a Gauntlet run: SIGINT, SIGTERM and SIGHUP (a closed
// terminal, a CI runner cancelling the job) turn into a flag the runner
// polls, plus a self-pipe that blocking waits (`gauntlet serve`) can poll.
//
// The handler does only async-signal-safe work: it records the signal, sets
// an atomic flag, tells every client's supervisor to kill the client and all
// its descendants (KillAllChildren, process.h) and writes one byte to a
// non-blocking pipe. Everything else -- stopping servers, writing the
// reports of what finished, removing the private directory -- happens on
// ordinary threads that see the flag. A second signal while the first is
// being handled ends the process at once (the user insisted) with the same
// exit status; the supervisors then see Gauntlet gone and kill their
// clients, and the handler removes the directory registered with
// SetDirectoryToRemoveOnForcedExit (the run's private one) on its way out.
//
//   GAUNTLET_RETURN_IF_ERROR(InstallInterruptHandlers());
//   options.cancel = &InterruptFlag();
//   ... run ...
//   if (Interrupted()) return InterruptExitCode();

#ifndef GAUNTLET_HARNESS_RUNNER_INTERRUPT_H_
#define GAUNTLET_HARNESS_RUNNER_INTERRUPT_H_

#include <atomic>
#include <chrono>
#include <string>

#include "absl/status/status.h"

namespace gauntlet::runner {

// Exit status of a run stopped by SIGINT (128 + SIGINT, as shells report
// it), and of one stopped by RequestInterrupt().
inline constexpr int kExitInterrupted = 130;

// Installs the SIGINT, SIGTERM and SIGHUP handlers (sigaction, SA_RESTART)
// and creates the self-pipe. Idempotent; fails only if the pipe or
// sigaction fails.
absl::Status InstallInterruptHandlers();

// Restores the dispositions that were in place before
// InstallInterruptHandlers (for tests; the pipe stays).
void RestoreInterruptHandlers();

// Set once a signal arrived; never cleared except by ResetInterruptForTest.
const std::atomic<bool>& InterruptFlag();
bool Interrupted();

// Blocks until a signal arrived or `timeout` passed; true if interrupted.
// Requires InstallInterruptHandlers().
bool WaitForInterrupt(std::chrono::milliseconds timeout);

// The exit status for an interrupted run: 128 + the first signal that
// arrived, as shells report a death by that signal (SIGINT 130, SIGHUP 129,
// SIGTERM 143); kExitInterrupted when the interrupt was requested without a
// signal or none arrived.
int InterruptExitCode();

// Sets the flag as the handler would, without a signal (tests, and a
// fatal error that must stop the run the same way).
void RequestInterrupt();

// The directory (at most 4095 bytes; a longer path is ignored) that
// the handler removes, with everything in it, when a second signal ends the
// process at once; empty clears it. One at a time: the last call wins.
// Removal there is best effort: async-signal-safe system calls only,
// bounded depth, symbolic links removed and never followed.
void SetDirectoryToRemoveOnForcedExit(const std::string& path);

// Clears the flag and drains the pipe.
void ResetInterruptForTest();

}  // namespace gauntlet::runner

#endif  // GAUNTLET_HARNESS_RUNNER_INTERRUPT_H_
