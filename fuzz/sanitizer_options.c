/*
 * sanitizer_options.c - the fuzz targets stop at the first undefined behaviour, as at a crash,
 * however they are started (UndefinedBehaviorSanitizer would otherwise print and go on).
 */
const char *__ubsan_default_options(void);

const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }
