/*
 * section_image_fields.h - SECTION_IMAGE_INFORMATION's fields in the order of NtQuerySection's
 * record, written once for the runner (scenario/execute.c), the record's names (scenario/op.c) and
 * the Win32 agent (verify/win32/agent/calls.c), so the three cannot drift apart. X(field) is
 * expanded once per field; the names are winternl.h's, as both structures spell them.
 */
#ifndef VS_SECTION_IMAGE_FIELDS_H
#define VS_SECTION_IMAGE_FIELDS_H

#define VS_SECTION_IMAGE_FIELDS(X)                                                                 \
    X(TransferAddress)                                                                             \
    X(ZeroBits)                                                                                    \
    X(MaximumStackSize)                                                                            \
    X(CommittedStackSize)                                                                          \
    X(SubSystemType)                                                                               \
    X(SubSystemMinorVersion)                                                                       \
    X(SubSystemMajorVersion)                                                                       \
    X(MajorOperatingSystemVersion)                                                                 \
    X(MinorOperatingSystemVersion)                                                                 \
    X(ImageCharacteristics)                                                                        \
    X(DllCharacteristics)                                                                          \
    X(Machine)                                                                                     \
    X(ImageContainsCode)                                                                           \
    X(ImageFlags)                                                                                  \
    X(LoaderFlags)                                                                                 \
    X(ImageFileSize)                                                                               \
    X(CheckSum)

#endif
