#include "line_editing.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <pthread.h>
#include <fcntl.h>
#include <readline/readline.h>
#include <readline/history.h>

static char **candidates = NULL;
static int candidate_count = 0;

// Ctrl-C. The REPL's SIGINT handler (installed from Swift without SA_RESTART) calls
// `netl_note_interrupt`, which only sets a flag (async-signal-safe). A read() that readline
// is blocked in then returns EINTR and readline calls `rl_signal_event_hook`; there,
// outside the handler, the line is cleared and a fresh primary prompt drawn, as Python's
// REPL does.
static volatile sig_atomic_t line_interrupt_pending = 0;
static int line_was_interrupted = 0;
static char *primary_prompt = NULL;

static pthread_t reader_thread;
static int have_reader_thread = 0;

// The signal may be delivered to any thread that does not block it (OpenBLAS and
// Dispatch workers too); only a signal handled on the thread blocked in read() makes that
// read fail with EINTR, so it is passed on to the reader (pthread_kill is async-signal-safe).
void netl_note_interrupt(void) {
    line_interrupt_pending = 1;
    if (have_reader_thread && !pthread_equal(pthread_self(), reader_thread)) pthread_kill(reader_thread, SIGINT);
}

static int on_signal_event(void) {
    if (line_interrupt_pending) {
        line_interrupt_pending = 0;
        line_was_interrupted = 1;
        rl_replace_line("", 0);
        rl_point = rl_end = 0;
        fputs("^C\n", rl_outstream ? rl_outstream : stdout);
        if (primary_prompt) rl_set_prompt(primary_prompt);
        rl_on_new_line();
        rl_redisplay();
    }
    return 0;
}

void netl_prepare_interrupts(const char *prompt) {
    reader_thread = pthread_self();
    have_reader_thread = 1;
    free(primary_prompt);
    primary_prompt = strdup(prompt);
    rl_catch_signals = 0;  // readline must not install its own SIGINT handler
    rl_signal_event_hook = on_signal_event;
}

int netl_line_was_interrupted(void) {
    int was = line_was_interrupted;
    line_was_interrupted = 0;
    return was;
}

char *netl_readline(const char *prompt) {
    line_was_interrupted = 0;
    line_interrupt_pending = 0;
    return readline(prompt);
}
void netl_free_line(char *line) { free(line); }
void netl_add_history(const char *line) { if (line && *line) add_history(line); }

int netl_append_history(const char *line, const char *path) {
    if (!line || !*line) return 0;
    add_history(line);
    // append_history does not create the file; make sure it exists (mode 0600).
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    close(fd);
    int status = append_history(1, path);
    history_truncate_file(path, 1000);
    return status;
}
int netl_read_history(const char *path) { return read_history(path); }
int netl_write_history(const char *path) { return write_history(path); }
int netl_stdin_is_tty(void) { return isatty(0); }
int netl_stdout_is_tty(void) { return isatty(1); }

static netl_argument_completer argument_completer = NULL;
/// The argument names offered for the current Tab (NUL-separated, ending with an empty
/// string), or NULL: the global candidates.
static const char *argument_candidates = NULL;

void netl_set_argument_completer(netl_argument_completer completer) { argument_completer = completer; }

static char *candidate_generator(const char *text, int state) {
    static int index;
    static size_t length;
    static const char *next_argument;
    if (state == 0) { index = 0; length = strlen(text); next_argument = argument_candidates; }
    if (next_argument) {
        while (*next_argument) {
            const char *name = next_argument;
            next_argument += strlen(name) + 1;
            if (strncmp(name, text, length) == 0) return strdup(name);
        }
        return NULL;
    }
    while (index < candidate_count) {
        const char *name = candidates[index++];
        if (strncmp(name, text, length) == 0) return strdup(name);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end) {
    rl_attempted_completion_over = 1;  // no file-name completion as a fallback
    // The shared completion engine's candidates for this place (commands, members, argument
    // names, names); the global list only when it has none.
    argument_candidates = argument_completer ? argument_completer(rl_line_buffer, start, end) : NULL;
    if (argument_candidates && !*argument_candidates) argument_candidates = NULL;
    return rl_completion_matches(text, candidate_generator);
}

void netl_set_completions(const char *list) {
    for (int i = 0; i < candidate_count; i++) free(candidates[i]);
    free(candidates);
    candidates = NULL;
    candidate_count = 0;
    int n = 0;
    for (const char *p = list; *p; p += strlen(p) + 1) n++;
    candidates = malloc(sizeof(char *) * (n > 0 ? n : 1));
    for (const char *p = list; *p; p += strlen(p) + 1) candidates[candidate_count++] = strdup(p);
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(,)}[]+-*/:";
}
