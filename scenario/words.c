/*
 * words.c - each personality in its own words: the model keeps Windows' numbers (PAGE_*
 * protections, the x64 page-table levels, working sets) for both systems, and a Linux scenario's
 * narration and views say them as Linux does (PROT_*, PGD/PUD/PMD/PTE, the resident set).
 */
#include "runner_int.h"

gboolean vs_words_linux(const VsRunner *runner)
{
    return runner->system && vs_is_linux(runner->system);
}

/* A PAGE_* protection as mmap's PROT_* bits: what a VMA's (or a PTE's) protection lets do. The
 * copy-on-write protections are a private writable mapping's, PROT_READ|PROT_WRITE. */
static const char *prot_string(uint32_t protect, char *buf, size_t len)
{
    switch (protect & 0xFF) {
    case PAGE_NOACCESS: return vs_words_prot_bits(0, buf, len);
    case PAGE_READONLY: return vs_words_prot_bits(VS_PROT_READ, buf, len);
    case PAGE_READWRITE:
    case PAGE_WRITECOPY: return vs_words_prot_bits(VS_PROT_READ | VS_PROT_WRITE, buf, len);
    case PAGE_EXECUTE: return vs_words_prot_bits(VS_PROT_EXEC, buf, len);
    case PAGE_EXECUTE_READ: return vs_words_prot_bits(VS_PROT_READ | VS_PROT_EXEC, buf, len);
    case PAGE_EXECUTE_READWRITE:
    case PAGE_EXECUTE_WRITECOPY:
        return vs_words_prot_bits(VS_PROT_READ | VS_PROT_WRITE | VS_PROT_EXEC, buf, len);
    default: g_snprintf(buf, len, "0x%X", protect); return buf;
    }
}

const char *vs_words_protection_in(bool linux_words, uint32_t protect, char *buf, size_t len)
{
    return linux_words ? prot_string(protect, buf, len) : vs_protect_string(protect, buf, len);
}

const char *vs_words_protection(const VsRunner *runner, uint32_t protect, char *buf, size_t len)
{
    return vs_words_protection_in(vs_words_linux(runner), protect, buf, len);
}

const char *vs_words_level_in(bool linux_words, const VsProcess *process, uint32_t level)
{
    /* x86-64's four levels as Linux names them (the fifth, P4D, folded away). */
    static const char *const linux_levels[] = {"PGD", "PUD", "PMD", "PTE"};
    if (linux_words && level < G_N_ELEMENTS(linux_levels))
        return linux_levels[level];
    return vs_pte_level_name(process, level);
}

const char *vs_words_level(const VsRunner *runner, const VsProcess *process, uint32_t level)
{
    return vs_words_level_in(vs_words_linux(runner), process, level);
}

const char *vs_words_working_set(const VsRunner *runner)
{
    return vs_words_linux(runner) ? "resident set" : "working set";
}

const char *vs_words_vad(const VsRunner *runner) { return vs_words_linux(runner) ? "VMA" : "VAD"; }

const char *vs_words_mapping(const VsVmaInfo *vma)
{
    gboolean anonymous = vma->name[0] == '\0' || g_str_has_prefix(vma->name, "/dev/zero");
    if (vma->may_share)
        return anonymous ? "MAP_SHARED|MAP_ANONYMOUS" : "MAP_SHARED";
    return anonymous ? "MAP_PRIVATE|MAP_ANONYMOUS" : "MAP_PRIVATE";
}

const char *vs_words_prot_bits(uint32_t prot, char *buf, size_t len)
{
    gboolean read = prot & VS_PROT_READ, write = prot & VS_PROT_WRITE, exec = prot & VS_PROT_EXEC;
    if (!read && !write && !exec)
        g_strlcpy(buf, "PROT_NONE", len);
    else
        g_snprintf(buf, len, "%s%s%s%s%s", read ? "PROT_READ" : "",
                   read && (write || exec) ? "|" : "", write ? "PROT_WRITE" : "",
                   write && exec ? "|" : "", exec ? "PROT_EXEC" : "");
    return buf;
}

const char *vs_words_vma_protection(const VsVmaInfo *vma, char *buf, size_t len)
{
    return vs_words_prot_bits((vma->read ? VS_PROT_READ : 0) | (vma->write ? VS_PROT_WRITE : 0) |
                                  (vma->exec ? VS_PROT_EXEC : 0),
                              buf, len);
}

const char *vs_runner_process_label(const VsRunner *runner, const VsProcess *process)
{
    const char *name = vs_runner_name_of(runner, process);
    return name ? name : vs_process_name(process);
}
