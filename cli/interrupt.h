/* SIGINT and SIGTERM during training: the first asks the training loop to
 * stop after the current batch and write a checkpoint there (gnn/train.h's
 * stop_requested; the checkpoint resumes exactly mid-epoch, gnn/checkpoint.h's
 * PART section); a second one ends the process at once, with the signal's
 * default action -- for a batch or an evaluation that takes too long.
 * Outputs are written under a temporary name and renamed (core/output.h), so
 * even that leaves no torn file. */
#ifndef GR_CLI_INTERRUPT_H
#define GR_CLI_INTERRUPT_H

/* Installs the handlers for SIGINT and SIGTERM. */
void gr_interrupt_install(void);
/* The signal received (SIGINT or SIGTERM), 0 when none. */
int gr_interrupt_signal(void);
/* The exit status a shell gives a process the signal killed: 128 + sig. */
int gr_interrupt_exit_code(int sig);

#endif
