package ru.rosdistant.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
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
     * documented module structure is the one the build checks.
     */
    @Test
    void writesTheModuleDocumentation() throws Exception {
        Path folder = Path.of("docs", "modules");
        new Documenter(MODULES, Documenter.Options.defaults().withOutputFolder(folder.toString()))
                .writeDocumentation();
        assertThat(folder.resolve("components.puml")).exists();
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .as("a diagram and a canvas per module")
                    .contains("module-dialog.puml", "module-routing.puml", "module-dialog.adoc");
        }
    }
}
