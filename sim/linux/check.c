/*
 * check.c - the invariants of the Linux personality's own state, which the NT core's checker
 * (check.c) asks of every VMA through the personality's hooks, as validate_mm checks each VMA.
 */
#include "linux.h"

/* A Linux VMA maps the file whose page cache its section is, through an open file of that file
 * (vm_file and its inode's page cache agree); anonymous memory (no section, or a fork's) has no
 * file, and shared anonymous and MAP_HUGETLB memory have their file but no open file to name. */
static bool vm_file_sound(const VsVad *vad)
{
    const VsVma *vma = vs_vma(vad);
    const VsSection *section = vma->mapped.section;
    const VsFile *file = vma->file;
    if (file ? section != file->section : section && section->file)
        return false;
    bool opened =
        file && vs_file_kind(file) != VS_FILE_DEV_ZERO && vs_file_kind(file) != VS_FILE_HUGETLB;
    return opened ? vma->vm_file && vma->vm_file->file == file : vma->vm_file == NULL;
}

/* A Linux VMA's protection key is 0 on a CPU without keys (pkey.c). On one with keys any of the
 * 16 may be (a key freed while VMAs still have it stays on them, as in the kernel). */
static bool pkey_sound(const VsProcess *process, const VsVad *vad)
{
    return !vs_vma_pkey(vad) || vs_has_pkeys(process->system);
}

/* The check hook: the first thing wrong with the VMA's own state, or NULL. */
const char *vs_linux_check_vad(const VsProcess *process, const VsVad *vad)
{
    if (!vm_file_sound(vad))
        return "VMA's open file is not the file it maps";
    if (!pkey_sound(process, vad))
        return "VMA has a protection key it cannot have";
    return NULL;
}

/* The commit hook: what Linux accounts for a VMA (VM_ACCOUNT: the whole VMA, touched or not). */
uint64_t vs_linux_vad_commit(const VsVad *vad)
{
    return (vs_vma(vad)->vm_flags & VS_VM_ACCOUNT) ? vs_vma_pages(vad) : 0;
}
