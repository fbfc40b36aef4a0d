package ru.rosdistant.gateway.widget;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The widget loads on every page of three sites, so its size is a budget the build measures: the script the gateway
 * serves (the bundle esbuild makes from web-widget/src in process-resources), gzipped as a server or CDN would
 * send it, stays within 15 KB. `mvn verify` fails when it grows past that.
 */
class WidgetSizeTests {

    static final int BUDGET_BYTES = 15 * 1024;

    @Test
    void widgetScriptGzippedStaysWithinFifteenKilobytes() throws IOException {
        byte[] raw;
        try (InputStream script = getClass().getResourceAsStream("/static/widget/widget.js")) {
            assertThat(script).as("the bundled widget on the class path (npm run build)").isNotNull();
            raw = script.readAllBytes();
        }
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(raw);
        }
        int size = zipped.size();
        System.out.printf("widget.js: %d bytes, %d bytes gzipped (budget %d, %d left)%n", raw.length, size,
                BUDGET_BYTES, BUDGET_BYTES - size);
        assertThat(size).as("/widget/widget.js gzipped, in bytes").isLessThanOrEqualTo(BUDGET_BYTES);
    }
}
