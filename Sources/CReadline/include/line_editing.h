// Small C wrappers around GNU readline. Swift 6 cannot read or write readline's C globals
// (rl_attempted_completion_function, rl_completion_append_character, …) safely, so every
// access goes through a function here.
#ifndef NETL_LINE_EDITING_H
#define NETL_LINE_EDITING_H

/// Reads one line with editing and the given prompt; returns NULL on end of input.
/// The caller frees the result with `netl_free_line`.
char *netl_readline(const char *prompt);
void netl_free_line(char *line);
/// Adds a non-empty line to the in-memory history.
void netl_add_history(const char *line);
/// Adds a line to the history and appends it to the history file at once, so the
/// session's history survives however the REPL ends (creates the file; keeps 1000 lines).
int netl_append_history(const char *line, const char *path);
/// Makes readline leave SIGINT to the application and clear the line (showing `prompt`)
/// when `netl_note_interrupt` was called while it waited for a key. The calling thread is
/// the one that reads input.
void netl_prepare_interrupts(const char *prompt);
/// Called from the SIGINT handler: the line being edited is to be cleared (the signal is
/// passed on to the reading thread when another thread received it).
void netl_note_interrupt(void);
/// 1 if Ctrl-C cleared the line during the last `netl_readline` (and clears it).
int netl_line_was_interrupted(void);
/// Loads / saves history from / to a file; returns 0 on success (errno otherwise).
int netl_read_history(const char *path);
int netl_write_history(const char *path);
/// Installs the completion candidates: a NUL-separated list ending with an empty string.
/// Tab completion offers every candidate that starts with the word under the cursor.
void netl_set_completions(const char *nul_separated);
/// A function given the line, the start of the word under the cursor and the cursor (byte
/// offsets), returning the candidates for that place (NUL-separated, ending with an empty
/// string) or NULL for the global ones; the returned text must stay valid until the next call.
typedef const char *(*netl_argument_completer)(const char *line, int start, int end);
void netl_set_argument_completer(netl_argument_completer completer);
/// Whether standard input is a terminal.
int netl_stdin_is_tty(void);
int netl_stdout_is_tty(void);

#endif
