package ru.rosdistant.gateway.report;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CsvTests {

    static final ZoneId SAMARA = ZoneId.of("Europe/Samara");

    record Row(String text, Instant at, List<Long> counts, Integer none) {
    }

    @Test
    void quotesWhatWouldBreakAFieldAndDefusesFormulas() {
        assertThat(Csv.field("plain", ',', SAMARA)).isEqualTo("plain");
        assertThat(Csv.field("a, b", ',', SAMARA)).isEqualTo("\"a, b\"");
        assertThat(Csv.field("a, b", ';', SAMARA)).isEqualTo("a, b");
        assertThat(Csv.field("say \"hi\"", ',', SAMARA)).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(Csv.field("two\nlines", ',', SAMARA)).isEqualTo("\"two\nlines\"");
        assertThat(Csv.field("=HYPERLINK(\"x\")", ',', SAMARA)).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
        assertThat(Csv.field("-1", ',', SAMARA)).isEqualTo("'-1");
        assertThat(Csv.field(-1L, ',', SAMARA)).as("a number is a number").isEqualTo("-1");
    }

    @Test
    void writesABomAHeaderAndLocalTimes() {
        byte[] csv = Csv.of(Row.class, List.of(new Row("Жалоба", Instant.parse("2026-05-08T15:30:00Z"),
                List.of(1L, 2L), null)), ',', SAMARA);
        assertThat(csv).startsWith(0xEF, 0xBB, 0xBF);
        assertThat(new String(csv, 3, csv.length - 3, StandardCharsets.UTF_8))
                .isEqualTo("text,at,counts,none\r\nЖалоба,2026-05-08 19:30:00,1 2,\r\n");
    }
}
