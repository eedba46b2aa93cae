/*
 * dot.c - the current process's VAD tree as a Graphviz digraph (vadsim run --dot, one graph per
 * step): each node its page range, protection and commit, and its AVL balance, coloured by kind
 * after VMMap's palette; in a Linux system the tree holds VMAs, labelled with their PROT_* and
 * MAP_* words and the commit they charge.
 */
#include "runner_int.h"

/* Fill colour per VAD kind: private memory blue, shareable green, the rest grey or white (an
 * image's view is plum: append_node_words). */
static const char *kind_color(VsVadKind kind)
{
    switch (kind) {
    case VS_VAD_PRIVATE: return "lightblue";
    case VS_VAD_SHARED_USER_DATA: return "lightgray";
    case VS_VAD_MAPPED: return "palegreen";
    case VS_VAD_PLACEHOLDER: return "white";
    }
    return "white";
}

/* Text inside a double-quoted Graphviz string: quotes and backslashes escaped. */
static void append_escaped(GString *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
}

/* A node's words: PAGE_* and the commit in Windows; PROT_*, MAP_* and the charge in Linux. */
static const char *append_node_words(VsRunner *runner, const VsVadInfo *info, GString *out)
{
    char protect[96];
    VsVmaInfo vma;
    if (!vs_words_linux(runner) ||
        !vs_vma_find(vs_runner_process(runner), info->starting_vpn << 12, &vma)) {
        g_string_append_printf(out, "%s\\ncommit %" G_GUINT64_FORMAT,
                               vs_protect_string(info->protection, protect, sizeof protect),
                               info->commit_charge);
        const VsSection *section =
            info->kind == VS_VAD_MAPPED ? vs_section_lookup(runner->system, info->section) : NULL;
        VsImageInfo image;
        if (!section || !vs_section_image_info(section, &image))
            return kind_color(info->kind);
        g_string_append(out, "\\nimage ");
        append_escaped(out, vs_section_file_name(section));
        return "plum"; /* VMMap's Image */
    }
    g_string_append_printf(out, "%s\\n%s", vs_words_vma_protection(&vma, protect, sizeof protect),
                           vs_words_mapping(&vma));
    if (vma.name[0]) {
        g_string_append(out, "\\n");
        append_escaped(out, vma.name);
    }
    g_string_append_printf(out, "\\ncharged %" G_GUINT64_FORMAT, info->commit_charge);
    return vma.may_share ? "palegreen" : "lightblue";
}

static void dot_node(VsRunner *runner, GString *out, const VsVad *vad)
{
    VsVadInfo info;
    vs_vad_info(vad, &info);
    g_string_append_printf(out,
                           "  v%" G_GINT64_MODIFIER "x [label=\"%" G_GINT64_MODIFIER
                           "x-%" G_GINT64_MODIFIER "x\\n",
                           info.starting_vpn, info.starting_vpn, info.ending_vpn);
    const char *color = append_node_words(runner, &info, out);
    g_string_append_printf(out, " | balance %d\", fillcolor=%s];\n", info.balance, color);
    const VsVad *children[2] = {vs_vad_left(vad), vs_vad_right(vad)};
    for (int i = 0; i < 2; i++) {
        if (!children[i])
            continue;
        VsVadInfo child;
        vs_vad_info(children[i], &child);
        g_string_append_printf(
            out, "  v%" G_GINT64_MODIFIER "x -> v%" G_GINT64_MODIFIER "x [label=\"%s\"];\n",
            info.starting_vpn, child.starting_vpn, i == 0 ? "L" : "R");
        dot_node(runner, out, children[i]);
    }
}

/* One digraph: name, a label line, and the tree. */
static void dot_tree(VsRunner *runner, const char *name, const char *label, GString *out)
{
    g_string_append_printf(out, "digraph %s {\n  label=\"", name);
    if (label) {
        append_escaped(out, label);
        g_string_append(out, "\\n");
    }
    GError *error = NULL;
    if (!runner->system || !vs_runner_ensure_process(runner, &error)) {
        g_clear_error(&error);
        g_string_append(out, "(no process yet)\";\n}\n");
        return;
    }
    VsProcess *process = vs_runner_process(runner);
    g_string_append_printf(out, "%s tree of ", vs_words_vad(runner));
    append_escaped(out, vs_runner_process_label(runner, process));
    g_string_append(out, " (start-end in page numbers)\";\n"
                         "  node [shape=box, style=filled, fontname=monospace];\n");
    const VsVad *root = vs_vad_root(process);
    if (root)
        dot_node(runner, out, root);
    g_string_append(out, "}\n");
}

void vs_runner_write_dot(VsRunner *runner, GString *out)
{
    size_t step = runner->step;
    const char *title = vs_runner_step_title(runner, step);
    g_autofree char *name = g_strdup_printf("step_%zu", step);
    g_autofree char *label = step ? g_strdup_printf("Step %zu of %zu: %s", step,
                                                    runner->script->steps, title ? title : "")
                                  : g_strdup("Before step 1");
    dot_tree(runner, name, label, out);
}
