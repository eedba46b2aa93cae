/*
 * proc.c - what /proc/PID/maps, /proc/PID/smaps and /proc/PID/pagemap say of a process's VMAs
 * (fs/proc/task_mmu.c: show_map_vma, show_smap_vma_flags, pagemap_read).
 */
#include <string.h>

#include "linux.h"

/*
 * How many PTEs map page index of section, held in frame (the page's mapcount): every view whose
 * PTE there is valid with that frame, every anonymous view whose PTE still leads to the section's
 * page - where fork copied the parent's PTE, the kernel's child has a real PTE for it, which the
 * model finds through the prototype instead - and every view where mprotect re-protected the
 * mapped page (the model's PTE leads to the prototype again; the kernel's stays present).
 */
static uint64_t section_mapcount(const VsSystem *system, const VsSection *section, uint64_t index,
                                 uint64_t frame)
{
    uint64_t count = 0, proto = vs_prototype_read(section, index);
    /* A huge page's page detached from the index (largeshared.c) only its PMDs map: the others
     * find the index's page. */
    bool at_index = vs_pte_is_resident(proto) && vs_pte_frame(proto) == frame;
    size_t p = 0;
    for (const VsVad *view = vs_section_next_view(system, section, &p, NULL); view;
         view = vs_section_next_view(system, section, &p, view)) {
        uint64_t first = vs_mapped_vad(view)->first_prototype;
        if (index < first || index - first >= vs_vma_pages(view))
            continue;
        uint64_t pte = vs_pt_read(system->processes[p], view->starting_vpn + (index - first));
        if (vs_pte_is_valid(pte))
            count += vs_pte_frame(pte) == frame;
        else
            count +=
                at_index && (((pte == 0 || vs_pte_is_proto(pte)) && vs_vma_is_anonymous(view)) ||
                             (vs_pte_is_proto(pte) && vs_pte_mm_protection(pte)));
    }
    return count;
}

/* The frame mapping the page at vpn of vad (its PTE's, resident; or, where fork copied the
 * parent's PTE, the section's page its prototype holds), and how many PTEs map it; false when no
 * page is mapped there. */
static bool mapped_frame(const VsProcess *process, const VsVad *vad, uint64_t vpn, uint64_t *frame,
                         uint64_t *mapcount)
{
    uint64_t pte = vs_pt_read(process, vpn);
    if (vs_pte_is_resident(pte)) /* valid, or a page of its own in a list: without swap, Linux's
                                  * PTE maps it (made PROT_NONE, or trimmed by the model) */
        *frame = vs_pte_frame(pte);
    else if ((pte == 0 || vs_pte_is_proto(pte)) && vs_pte_is_resident(vs_vma_prototype(vad, vpn)) &&
             (vs_vma_is_anonymous(vad) || (vs_pte_is_proto(pte) && vs_pte_mm_protection(pte))))
        *frame = vs_pte_frame(vs_vma_prototype(vad, vpn)); /* fork copied the parent's PTE; or
                                                            * mprotect changed a mapped file
                                                            * page's, which stays present */
    else
        return false;
    const VsPfn *pfn = &process->system->pfn.frames[*frame];
    *mapcount =
        pfn->flags & VS_PFN_PROTOTYPE
            ? section_mapcount(process->system, vs_mapped_vad(vad)->section, pfn->vpn, *frame)
            : vs_max(pfn->share_count, 1);
    return true;
}

uint64_t vs_pagemap_entry(const VsProcess *process, uint64_t address)
{
    VsVadTable *table = (VsVadTable *)&process->vad_root; /* the lookup only moves the hint */
    uint64_t vpn = vs_vpn(address), frame, mapcount;
    const VsVad *vad = vs_vad_locate(table, vpn);
    if (!vad || !mapped_frame(process, vad, vpn, &frame, &mapcount))
        return 0;
    const VsPfn *pfn = &process->system->pfn.frames[frame];
    uint64_t entry = VS_PAGEMAP_PRESENT | (frame & VS_PAGEMAP_PFN_MASK);
    uint64_t pde = pfn->flags & VS_PFN_LARGE_PAGE ? vs_pt_large_pde(process, vpn) : 0;
    if (pde && !(pde & VS_PTE_DIRTY) && !(pfn->flags & VS_PFN_LAZY_FREE)) /* the huge zero page */
        return entry | VS_PAGEMAP_FILE_SHARED;
    if ((pfn->flags & VS_PFN_PROTOTYPE) && !vs_vma_is_anonymous(vad))
        entry |= VS_PAGEMAP_FILE_SHARED;
    if (mapcount == 1)
        entry |= VS_PAGEMAP_EXCLUSIVE; /* PM_MMAP_EXCLUSIVE: one PTE maps the page */
    return entry;
}

/* ---- /proc/PID/smaps' counters --------------------------------------------------------------- */

#define PSS_SHIFT 12 /* smaps keeps Pss in 1/4096ths of a byte */

/* One page into the counters (smaps_account), Pss in PSS_SHIFT units: a page of anonymous memory
 * never written is the shared zero page, which counts nowhere; a page a private VMA holds alone
 * (not a file's page cache nor a fork section's) is anonymous; a lazily freed page written again
 * is dirty, and no longer counts as LazyFree. */
static void account_page(const VsProcess *process, const VsVad *vad, uint64_t vpn, VsSmaps *out,
                         uint64_t *pss, uint64_t *pss_locked)
{
    uint64_t frame, mapcount;
    if (!mapped_frame(process, vad, vpn, &frame, &mapcount))
        return;
    const VsPfn *pfn = &process->system->pfn.frames[frame];
    bool shared_page = pfn->flags & VS_PFN_PROTOTYPE;
    bool anonymous = !shared_page || vs_vma_is_anonymous(vad);
    if (anonymous && vs_vma_is_anonymous(vad) &&
        !vs_anon_page_written(pfn, vs_pt_read(process, vpn)))
        return; /* the zero page */
    uint64_t share = ((uint64_t)VS_PAGE_SIZE << PSS_SHIFT) / mapcount;
    out->rss += VS_PAGE_SIZE;
    *pss += share;
    out->anonymous += anonymous ? VS_PAGE_SIZE : 0;
    uint64_t pte = vs_pt_read(process, vpn);
    bool dirty = (vs_pte_is_valid(pte) && (pte & VS_PTE_DIRTY)) || (pfn->flags & VS_PFN_MODIFIED);
    out->lazy_free += anonymous && (pfn->flags & VS_PFN_LAZY_FREE) && !dirty ? VS_PAGE_SIZE : 0;
    *pss_locked += vs_vma(vad)->vm_flags & VS_VM_LOCKED ? share : 0;
}

bool vs_vma_smaps(const VsProcess *process, uint64_t address, VsSmaps *out)
{
    uint64_t vpn = vs_vpn(address), pss = 0, pss_locked = 0;
    const VsVad *vad = vs_vad_locate((VsVadTable *)&process->vad_root, vpn);
    memset(out, 0, sizeof *out);
    if (!vad)
        return false;
    VsVmFlags flags = vs_vma(vad)->vm_flags;
    out->size = vs_vma_pages(vad) * 4;
    out->vm_locked = flags & VS_VM_LOCKED;
    out->lock_on_fault = flags & VS_VM_LOCKONFAULT;
    out->sealed = flags & VS_VM_SEALED;
    VsViewScan scan = vs_view_scan(process, vad, vad->starting_vpn, vad->ending_vpn);
    for (uint64_t page = vs_view_scan_next(&scan, vad->starting_vpn); page <= vad->ending_vpn;
         page = vs_view_scan_next(&scan, page + 1))
        account_page(process, vad, page, out, &pss, &pss_locked);
    out->anon_huge_pages =
        vs_thp_mapped_pages(process, vad->starting_vpn, vad->ending_vpn, true) * 4;
    out->rss >>= 10;
    out->anonymous >>= 10;
    out->lazy_free >>= 10;
    out->pss = pss >> (10 + PSS_SHIFT);
    out->locked = pss_locked >> (10 + PSS_SHIFT);
    return true;
}

int vs_smaps(VsThread *thread, uint64_t address, VsSmaps *out)
{
    if (!vs_linux_call(thread))
        return -1;
    if (!vs_vma_smaps(thread->process, address, out))
        return vs_linux_fail(thread, VS_ENOENT);
    return 0;
}

/* ---- /proc/PID/maps -------------------------------------------------------------------------- */

static void name_of(const VsFile *file, char *out, size_t len)
{
    out[0] = '\0';
    if (!file)
        return;
    switch (vs_linux_file(file)->kind) {
    case VS_FILE_REGULAR: vs_text_append(out, len, file->name); break;
    case VS_FILE_MEMFD:
        vs_text_append(out, len, "/memfd:");
        vs_text_append(out, len, file->name);
        break;
    case VS_FILE_SHM:
        vs_text_append(out, len, "/dev/shm/");
        vs_text_append(out, len, file->name);
        break;
    case VS_FILE_DEV_ZERO: vs_text_append(out, len, "/dev/zero"); break;
    case VS_FILE_HUGETLB: vs_text_append(out, len, "/anon_hugepage"); break;
    }
    if (vs_linux_file(file)->unlinked)
        vs_text_append(out, len, " (deleted)");
}

static void fill_info(const VsProcess *process, const VsVad *vad, VsVmaInfo *out)
{
    const VsVma *vma = vs_vma(vad);
    const VsFile *file = vs_vma_file(vad);
    memset(out, 0, sizeof *out);
    out->start = vs_vpn_address(vad->starting_vpn);
    out->end = vs_vpn_address((uint64_t)vad->ending_vpn + 1);
    out->read = vma->vm_flags & VS_VM_READ;
    out->write = vma->vm_flags & VS_VM_WRITE;
    out->exec = vma->vm_flags & VS_VM_EXEC;
    out->may_share = vma->vm_flags & VS_VM_MAYSHARE;
    out->grows_down = vma->vm_flags & VS_VM_GROWSDOWN;
    out->vm_flags = vma->vm_flags;
    out->anon_vma = vma->anon_vma;
    out->pkey = vs_vma_pkey(vad);
    out->pkeys = vs_has_pkeys(process->system);
    if (file) {
        out->offset = vs_vpn_address(vma->mapped.first_prototype);
        out->inode = vs_linux_file(file)->inode;
        VsFileKind kind = vs_file_kind(file);
        out->dev_major = kind == VS_FILE_REGULAR ? 0xfe : 0;
        out->dev_minor = kind == VS_FILE_SHM ? 0x1b : kind == VS_FILE_REGULAR ? 0 : 1;
    }
    name_of(file, out->name, sizeof out->name);
    if (!file && vs_vma_is_initial_heap(process, vad))
        vs_text_append(out->name, sizeof out->name, "[heap]");
    else if (!file && vs_vma_is_initial_stack(vad))
        vs_text_append(out->name, sizeof out->name, "[stack]");
    for (uint64_t vpn = vad->starting_vpn; vpn <= vad->ending_vpn; vpn++) {
        vpn = vs_pt_next_present(process, vpn, vad->ending_vpn);
        if (vpn > vad->ending_vpn || vpn == 0)
            break;
        out->resident_pages += vs_pte_is_valid(vs_pt_read(process, vpn));
    }
    out->resident_pages += vs_thp_mapped_pages(process, vad->starting_vpn, vad->ending_vpn, false);
}

bool vs_vma_find(const VsProcess *process, uint64_t address, VsVmaInfo *out)
{
    const VsVadTable *table = &process->vad_root;
    uint64_t vpn = vs_vpn(address);
    const VsVad *vad = vs_vad_locate((VsVadTable *)table, vpn); /* only the hint moves */
    if (!vad)
        vad = vs_vad_find_above(table, vpn);
    if (!vad)
        return false;
    fill_info(process, vad, out);
    return true;
}

/* start-end perms offset dev inode, padded to column 74, then the name (show_map_vma). */
const char *vs_vma_maps_line(const VsVmaInfo *vma, char *buf, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char head[128];
    size_t n = 0;
#define PUT(c) (n < sizeof head - 1 ? (void)(head[n++] = (c)) : (void)0)
#define HEX(value, width)                                                                          \
    do {                                                                                           \
        int w = 16;                                                                                \
        while (w > (width) && !(((value) >> ((w - 1) * 4)) & 0xf))                                 \
            w--;                                                                                   \
        for (int i = w - 1; i >= 0; i--)                                                           \
            PUT(digits[((value) >> (i * 4)) & 0xf]);                                               \
    } while (0)
    HEX(vma->start, 8);
    PUT('-');
    HEX(vma->end, 8);
    PUT(' ');
    PUT(vma->read ? 'r' : '-');
    PUT(vma->write ? 'w' : '-');
    PUT(vma->exec ? 'x' : '-');
    PUT(vma->may_share ? 's' : 'p');
    PUT(' ');
    HEX(vma->offset, 8);
    PUT(' ');
    HEX((uint64_t)vma->dev_major, 2);
    PUT(':');
    HEX((uint64_t)vma->dev_minor, 2);
    PUT(' ');
    char inode[24];
    size_t d = 0;
    uint64_t v = vma->inode;
    do {
        inode[d++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (d)
        PUT(inode[--d]);
    PUT(' ');
    if (vma->name[0])
        while (n < 73)
            PUT(' ');
#undef HEX
#undef PUT
    head[n] = '\0';
    buf[0] = '\0';
    vs_text_append(buf, len, head);
    vs_text_append(buf, len, vma->name);
    return buf;
}

/*
 * smaps' VmFlags line for a VMA, as far as the model keeps the flags (show_smap_vma_flags: two
 * letters per flag, in bit order): "rd ex mr mw me ac". The protection key is not among them;
 * smaps shows it on a line of its own.
 */
const char *vs_vma_smaps_flags(const VsVmaInfo *vma, char *buf, size_t len)
{
    static const struct {
        VsVmFlags flag;
        const char *name;
    } names[] = {
        {VS_VM_READ, "rd"},      {VS_VM_WRITE, "wr"},       {VS_VM_EXEC, "ex"},
        {VS_VM_SHARED, "sh"},    {VS_VM_MAYREAD, "mr"},     {VS_VM_MAYWRITE, "mw"},
        {VS_VM_MAYEXEC, "me"},   {VS_VM_MAYSHARE, "ms"},    {VS_VM_GROWSDOWN, "gd"},
        {VS_VM_LOCKED, "lo"},    {VS_VM_SEQ_READ, "sr"},    {VS_VM_RAND_READ, "rr"},
        {VS_VM_DONTCOPY, "dc"},  {VS_VM_LOCKONFAULT, "lf"}, {VS_VM_ACCOUNT, "ac"},
        {VS_VM_NORESERVE, "nr"}, {VS_VM_HUGETLB, "ht"},     {VS_VM_WIPEONFORK, "wf"},
        {VS_VM_DONTDUMP, "dd"},  {VS_VM_HUGEPAGE, "hg"},    {VS_VM_NOHUGEPAGE, "nh"},
        {VS_VM_MERGEABLE, "mg"},
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(vma->vm_flags & names[i].flag))
            continue;
        if (buf[0])
            vs_text_append(buf, len, " ");
        vs_text_append(buf, len, names[i].name);
    }
    return buf;
}
