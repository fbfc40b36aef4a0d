package ru.rosdistant.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

import static org.assertj.core.api.Assertions.assertThat;

class ModularityTests {

    private static final ApplicationModules MODULES = ApplicationModules.of(GatewayApplication.class);

    /** Its own model of the modules: a rerun of a failed verify() on the shared one would pass without checking. */
    @Test
    void featuresDependOnEachOtherOnlyThroughTheirPublicFaces() {
        ApplicationModules.of(GatewayApplication.class).verify();
    }

    /**
     * The module diagrams and canvases in docs/modules, generated from the code (PlantUML and AsciiDoc), so the
     * documented module structure is the one the build checks. The Documenter writes the relations, components and
     * lists in an order that changes from run to run; they are put in a fixed order here, so that the files change
     * only when the modules do.
     */
    @Test
    void writesTheModuleDocumentation() throws Exception {
        Path folder = Path.of("docs", "modules");
        new Documenter(MODULES, Documenter.Options.defaults().withOutputFolder(folder.toString()))
                .writeDocumentation();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.equals("all-docs.adoc")) {
                    rewrite(file, ModularityTests::sectionsInOrder);
                }
                else if (name.endsWith(".puml")) {
                    rewrite(file, lines -> sortRuns(lines, ModularityTests::isDiagramElement));
                }
                else if (name.endsWith(".adoc")) {
                    rewrite(file, ModularityTests::listsInOrder);
                }
            }
        }
        assertThat(folder.resolve("components.puml")).exists();
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .as("a diagram and a canvas per module")
                    .contains("module-dialog.puml", "module-routing.puml", "module-dialog.adoc");
        }
    }

    @Test
    void theModuleDocumentationIsPutInAFixedOrder() {
        List<String> diagram = List.of("x {", "  Component(B)", "  Component(A)", "}", "Rel(B, A)", "Rel(A, B)", "");
        assertThat(sortRuns(diagram, ModularityTests::isDiagramElement))
                .containsExactly("x {", "  Component(A)", "  Component(B)", "}", "Rel(A, B)", "Rel(B, A)", "");
        List<String> canvas = List.of("|Events listened to", "|* `b` ", "* `a` ", "|Properties", "|* `p`", "",
                "_Others_", "", "* `d`", "* `c`");
        assertThat(listsInOrder(canvas)).containsExactly("|Events listened to", "|* `a` ", "* `b` ", "|Properties",
                "|* `p`", "", "_Others_", "", "* `c`", "* `d`");
        List<String> all = List.of("== GatewayApplication", "plantuml::components.puml[]", "", "== Web", "w", "",
                "== Agent", "a", "");
        assertThat(sectionsInOrder(all)).containsExactly("== GatewayApplication", "plantuml::components.puml[]", "",
                "== Agent", "a", "", "== Web", "w", "");
    }

    /** Rewrites the file's lines in {@code order}; its line ends and its last line end stay as they were. */
    private static void rewrite(Path file, UnaryOperator<List<String>> order) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        boolean endsWithNewline = text.endsWith("\n");
        List<String> lines = List.of((endsWithNewline ? text.substring(0, text.length() - 1) : text).split("\n", -1));
        String ordered = String.join("\n", order.apply(lines)) + (endsWithNewline ? "\n" : "");
        if (!ordered.equals(text)) {
            Files.writeString(file, ordered, StandardCharsets.UTF_8);
        }
    }

    /** A relation or a component of a diagram: PlantUML draws the same picture whatever their order. */
    private static boolean isDiagramElement(String line) {
        String element = line.strip();
        return element.startsWith("Rel(") || element.startsWith("Component(");
    }

    /** Each run of consecutive lines that {@code sortable} accepts, sorted; every other line stays where it is. */
    static List<String> sortRuns(List<String> lines, Predicate<String> sortable) {
        List<String> out = new ArrayList<>(lines.size());
        List<String> run = new ArrayList<>();
        for (String line : lines) {
            if (sortable.test(line)) {
                run.add(line);
                continue;
            }
            run.sort(Comparator.naturalOrder());
            out.addAll(run);
            run.clear();
            out.add(line);
        }
        run.sort(Comparator.naturalOrder());
        out.addAll(run);
        return out;
    }

    /**
     * The items of each list of a module's canvas in order. A list that opens a table cell has its first item marked
     * {@code |* }: the mark stays on the first line.
     */
    static List<String> listsInOrder(List<String> lines) {
        List<String> out = new ArrayList<>(lines.size());
        List<String> run = new ArrayList<>();
        boolean cell = false;
        for (String line : lines) {
            if (line.startsWith("|* ")) {
                flush(run, cell, out);
                cell = true;
                run.add(line.substring(1));
            }
            else if (line.startsWith("* ")) {
                if (run.isEmpty()) {
                    cell = false;
                }
                run.add(line);
            }
            else {
                flush(run, cell, out);
                out.add(line);
            }
        }
        flush(run, cell, out);
        return out;
    }

    private static void flush(List<String> run, boolean cell, List<String> out) {
        if (run.isEmpty()) {
            return;
        }
        run.sort(Comparator.naturalOrder());
        if (cell) {
            run.set(0, "|" + run.get(0));
        }
        out.addAll(run);
        run.clear();
    }

    /**
     * The page of all modules: the whole first ({@code components.puml}), then one section per module by name (the
     * Documenter orders them by their dependencies, ties as they come).
     */
    static List<String> sectionsInOrder(List<String> lines) {
        List<String> head = new ArrayList<>();
        List<List<String>> sections = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("== ")) {
                sections.add(new ArrayList<>());
            }
            (sections.isEmpty() ? head : sections.get(sections.size() - 1)).add(line);
        }
        List<String> out = new ArrayList<>(head);
        Predicate<List<String>> whole = section -> section.stream().anyMatch(line -> line.contains("components.puml"));
        sections.stream().filter(whole).forEach(out::addAll);
        sections.stream()
                .filter(whole.negate())
                .sorted(Comparator.comparing(section -> section.get(0)))
                .forEach(out::addAll);
        return out;
    }
}
