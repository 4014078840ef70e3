#include "line_editing.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>

static char **candidates = NULL;
static int candidate_count = 0;

char *netl_readline(const char *prompt) { return readline(prompt); }
void netl_free_line(char *line) { free(line); }
void netl_add_history(const char *line) { if (line && *line) add_history(line); }
int netl_read_history(const char *path) { return read_history(path); }
int netl_write_history(const char *path) { return write_history(path); }
int netl_stdin_is_tty(void) { return isatty(0); }
int netl_stdout_is_tty(void) { return isatty(1); }

static char *candidate_generator(const char *text, int state) {
    static int index;
    static size_t length;
    if (state == 0) { index = 0; length = strlen(text); }
    while (index < candidate_count) {
        const char *name = candidates[index++];
        if (strncmp(name, text, length) == 0) return strdup(name);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end) {
    (void)start; (void)end;
    rl_attempted_completion_over = 1;  // no file-name completion as a fallback
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
