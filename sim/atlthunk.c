/*
 * atlthunk.c - DEP-ATL thunk emulation: the kernel carrying out a known thunk itself when a
 * 32-bit process fetches it from memory that does not execute.
 *
 * Models what SetProcessDEPPolicy's page calls DEP-ATL thunk emulation: programs built with ATL
 * 7.1 and earlier write small thunks into data memory and jump to them; with DEP on such a fetch
 * is an NX fault, and "if DEP-ATL thunk emulation is enabled, the system intercepts NX faults,
 * emulates the instructions, and handles the exceptions so that the application can continue to
 * run". It applies to a 32-bit process with DEP on whose options do not say
 * MEM_EXECUTE_OPTION_DISABLE_THUNK_EMULATION (PROCESS_DEP_DISABLE_ATL_THUNK_EMULATION), to the NX
 * fault alone: a guard page still raises first, a page that cannot be read still raises.
 *
 * Which instructions are thunks is what kernel32's test_atl_thunk_emulation shows (L2872-2877 and
 * L2978-3166): five forms are carried out with no exception reaching the program, not even a
 * vectored handler (L3060-3084), while a plain `jmp rel32` (E9) is not one and raises. The model
 * knows exactly those five, by their opcode bytes; their immediates and displacements may be
 * anything:
 *   1. C7 44 24 04 imm32  E9 rel32   mov dword [esp+4], imm32; jmp rel32
 *   2. B9 imm32  E9 rel32            mov ecx, imm32; jmp rel32
 *   3. BA imm32  B9 imm32  FF E1     mov edx, imm32; mov ecx, imm32; jmp ecx
 *   4. B9 imm32  B8 imm32  FF E0     mov ecx, imm32; mov eax, imm32; jmp eax
 *   5. 59 58 51 FF 60 04             pop ecx; pop eax; push ecx; jmp [eax+4]
 * What the emulated instructions do to registers and the stack is outside the model, which runs
 * no code: the fetch succeeds, as the program sees it. The bytes are read as the thread would read
 * them; a thunk running into a page that cannot be read is not recognised, and the fetch raises.
 */
#include "internal.h"

#define ANY 0x100 /* a byte of an immediate or displacement */
#define IMM32 ANY, ANY, ANY, ANY

static const struct {
    uint8_t length;
    uint16_t bytes[13];
} thunk_forms[] = {
    {13, {0xC7, 0x44, 0x24, 0x04, IMM32, 0xE9, IMM32}},
    {10, {0xB9, IMM32, 0xE9, IMM32}},
    {12, {0xBA, IMM32, 0xB9, IMM32, 0xFF, 0xE1}},
    {12, {0xB9, IMM32, 0xB8, IMM32, 0xFF, 0xE0}},
    {6, {0x59, 0x58, 0x51, 0xFF, 0x60, 0x04}},
};

#define FORM_COUNT (sizeof thunk_forms / sizeof thunk_forms[0])
#define LONGEST 13

/* The bytes at address read so far: the emulator reads no further than a form still matching
 * needs, so a thunk that fails early touches nothing beyond it. */
typedef struct Code {
    VsThread *thread;
    uint64_t address;
    uint8_t bytes[LONGEST];
    uint32_t read;   /* bytes[0..read) are known */
    bool unreadable; /* bytes[read] could not be read */
} Code;

static bool code_byte(Code *code, uint32_t i, uint8_t *value)
{
    while (code->read <= i && !code->unreadable) {
        if (NT_SUCCESS(
                vs_memory_read(code->thread, code->address + code->read, &code->bytes[code->read])))
            code->read++;
        else
            code->unreadable = true;
    }
    if (code->read <= i)
        return false;
    *value = code->bytes[i];
    return true;
}

/* The form (1-5) of the ATL thunk at address, or 0 when the bytes there are none, or cannot all
 * be read. */
uint32_t vs_atl_thunk_form(VsThread *thread, uint64_t address)
{
    Code code = {.thread = thread, .address = address};
    for (uint32_t form = 0; form < FORM_COUNT; form++) {
        uint32_t length = thunk_forms[form].length, i = 0;
        uint8_t byte;
        while (i < length && code_byte(&code, i, &byte) &&
               (thunk_forms[form].bytes[i] == ANY || thunk_forms[form].bytes[i] == byte))
            i++;
        if (i == length)
            return form + 1;
    }
    return 0;
}
