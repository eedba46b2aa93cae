/*
 * extparams.c - MEM_EXTENDED_PARAMETER: the extra arguments of NtAllocateVirtualMemoryEx and
 * NtMapViewOfSectionEx (Windows 10 1803/1809).
 *
 * The one the model acts on is MEM_ADDRESS_REQUIREMENTS: a window [LowestStartingAddress,
 * HighestEndingAddress] the new range must fall in, and an alignment for its start. The rules are
 * those Wine's conformance tests measured on Windows (ntdll/tests/virtual.c,
 * test_NtAllocateVirtualMemoryEx_address_requirements): every bad shape is
 * STATUS_INVALID_PARAMETER, a window nothing fits in is STATUS_NO_MEMORY (found later, by the
 * search).
 */
#include "internal.h"

/* The window a legacy call searches: all of user space below limit, on 64 KB boundaries. */
VsAddressWindow vs_window_below(const VsLayout *layout, uint64_t limit)
{
    return (VsAddressWindow){.low_vpn = vs_vpn(layout->lowest_user_address),
                             .high_vpn = vs_vpn(limit),
                             .align_pages = VS_GRANULE_PAGES};
}

static bool is_power_of_two(uint64_t value) { return value && !(value & (value - 1)); }

/* Checks MEM_ADDRESS_REQUIREMENTS and narrows the window. All zeros asks for nothing. */
static VsStatus address_requirements(const VsLayout *layout, const VsMemAddressRequirements *r,
                                     VsAddressWindow *window, bool *given)
{
    if (!r)
        return STATUS_ACCESS_VIOLATION;
    /* Alignment: a power of two of at least the allocation granularity (0x8000 and 0x30000
     * fail). */
    if (r->Alignment && (!is_power_of_two(r->Alignment) || r->Alignment < VS_GRANULARITY))
        return STATUS_INVALID_PARAMETER;
    /* Lowest: on a 64 KB boundary, inside user space. */
    if ((r->LowestStartingAddress & (VS_GRANULARITY - 1)) ||
        r->LowestStartingAddress > layout->highest_user_address)
        return STATUS_INVALID_PARAMETER;
    /* Highest: the last byte of a page, above Lowest, at most the highest user address. */
    if (r->HighestEndingAddress && (((r->HighestEndingAddress + 1) & (VS_PAGE_SIZE - 1)) ||
                                    r->HighestEndingAddress > layout->highest_user_address ||
                                    r->HighestEndingAddress <= r->LowestStartingAddress))
        return STATUS_INVALID_PARAMETER;
    if (r->LowestStartingAddress)
        window->low_vpn = vs_max(window->low_vpn, vs_vpn(r->LowestStartingAddress));
    if (r->HighestEndingAddress)
        window->high_vpn = vs_min(window->high_vpn, vs_vpn(r->HighestEndingAddress));
    if (r->Alignment) {
        window->align_pages = r->Alignment / VS_PAGE_SIZE;
        window->aligned = true;
    }
    *given = r->LowestStartingAddress || r->HighestEndingAddress || r->Alignment;
    return STATUS_SUCCESS;
}

/* MEM_EXTENDED_PARAMETER_EC_CODE: the range is ARM64EC code, which only ARM64 Windows has. */
#define MEM_EXTENDED_PARAMETER_EC_CODE 0x40u

/*
 * MemExtendedParameterAttributeFlags: 0 asks for nothing and is accepted; EC_CODE is refused on
 * the model's machines, which are not ARM64 (STATUS_INVALID_PARAMETER, one of the two answers
 * ntdll's test_NtAllocateVirtualMemoryEx allows on x64, and Wine's); the other documented flags
 * (MEM_EXTENDED_PARAMETER_NONPAGED, _NONPAGED_LARGE, _NONPAGED_HUGE, _GRAPHICS, ...) ask for
 * memory the model does not have: STATUS_NOT_SUPPORTED, the model's choice.
 */
static VsStatus attribute_flags(uint64_t flags)
{
    if (flags & MEM_EXTENDED_PARAMETER_EC_CODE)
        return STATUS_INVALID_PARAMETER;
    return flags ? STATUS_NOT_SUPPORTED : STATUS_SUCCESS;
}

/*
 * Validates count parameters and gives the window they allow (all of user space if none narrows
 * it). *requirements says whether an address requirement narrowed it (a caller's own base may not
 * be combined with one). A type may appear once; types 0 and MemExtendedParameterMax and beyond are
 * invalid. The model has one NUMA node (node 0 is
 * accepted), attribute flags of 0 (attribute_flags), and no partitions or AWE regions: those types
 * are STATUS_NOT_SUPPORTED here, the model's choice. An image machine is a view's: where the caller
 * takes one (image_machine not NULL) its value is given back for the view to check against the
 * image (0 when none is given); an allocation has no image, and refuses it as the other types.
 */
VsStatus vs_extended_parameters(const VsLayout *layout, const VsMemExtendedParameter *parameters,
                                uint32_t count, VsAddressWindow *window, bool *requirements,
                                uint32_t *image_machine)
{
    *window = vs_window_below(layout, layout->highest_vad_address);
    *requirements = false;
    if (image_machine)
        *image_machine = 0;
    if (count && !parameters)
        return STATUS_INVALID_PARAMETER;
    uint32_t seen = 0;
    for (uint32_t i = 0; i < count; i++) {
        const VsMemExtendedParameter *p = &parameters[i];
        if (p->Type == MemExtendedParameterInvalidType || p->Type >= MemExtendedParameterMax ||
            (seen & (1u << p->Type)))
            return STATUS_INVALID_PARAMETER;
        seen |= 1u << p->Type;
        VsStatus status = STATUS_SUCCESS;
        if (p->Type == MemExtendedParameterAddressRequirements)
            status = address_requirements(layout, p->Pointer, window, requirements);
        else if (p->Type == MemExtendedParameterNumaNode)
            status = p->ULong == 0 ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
        else if (p->Type == MemExtendedParameterAttributeFlags)
            status = attribute_flags(p->ULong64);
        else if (p->Type == MemExtendedParameterImageMachine && image_machine)
            *image_machine = p->ULong;
        else
            status = STATUS_NOT_SUPPORTED;
        if (!NT_SUCCESS(status))
            return status;
    }
    return STATUS_SUCCESS;
}
