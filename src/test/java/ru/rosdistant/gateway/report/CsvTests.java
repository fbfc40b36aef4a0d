package ru.rosdistant.gateway.report;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

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

    @Test
    void writesADialogRowByteForByte() {
        DialogRow row = new DialogRow(UUID.fromString("00000780-0000-0000-0000-000000000001"), "lab780", "lab781",
                "lab780-site", "WIDGET", "Анна Ёлкина", "ANSWERED", Instant.parse("2026-05-08T15:30:00.987Z"),
                Instant.parse("2026-12-31T20:00:05Z"), null, Instant.parse("2026-03-28T21:59:59Z"), 30L, null, -5L,
                12, 5, "=HYPERLINK(\"http://x\"); да, \"спасибо\"\r\nвсё", "COMPLAINT", "-42", "@marketing");
        byte[] csv = Csv.of(DialogRow.class, List.of(row), ';', SAMARA);
        String expected = "\uFEFF"
                + "dialogId;offeredLine;line;site;channel;agent;outcome;queuedAt;takenAt;firstResponseAt;closedAt;"
                + "waitSeconds;firstResponseSeconds;handleSeconds;messages;rating;ratingComment;appealType;"
                + "requestNumber;complaintAddressee\r\n"
                + "00000780-0000-0000-0000-000000000001;lab780;lab781;lab780-site;WIDGET;Анна Ёлкина;ANSWERED;"
                + "2026-05-08 19:30:00;2027-01-01 00:00:05;;2026-03-29 01:59:59;30;;-5;12;5;"
                + "\"'=HYPERLINK(\"\"http://x\"\"); да, \"\"спасибо\"\"\r\nвсё\";COMPLAINT;'-42;'@marketing\r\n";
        assertThat(csv).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writesUtf8AsJavaDoesIncludingPairsAndLoneSurrogates() {
        String text = "ascii é € 😀 \uD800 end \uDC00";
        byte[] csv = Csv.of(Row.class, List.of(new Row(text, null, List.of(), 7)), ',', SAMARA);
        assertThat(csv).isEqualTo(("\uFEFFtext,at,counts,none\r\n" + text + ",,,7\r\n")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(Csv.field(Instant.parse("0999-01-01T00:00:00Z"), ',', ZoneId.of("UTC")))
                .as("a year outside 1000-9999 is the formatter's").isEqualTo("0999-01-01 00:00:00");
        assertThat(Csv.field(Long.MIN_VALUE, ',', SAMARA)).isEqualTo(String.valueOf(Long.MIN_VALUE));
        assertThat(Csv.field(List.of("", "b"), ',', SAMARA)).isEqualTo(" b");
    }

    @Test
    void streamsALargeFileInChunksThatEndAtRowEnds() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            rows.add(new Row("строка " + i + (i % 7 == 0 ? ", с запятой" : ""),
                    Instant.parse("2026-05-01T00:00:00Z").plusSeconds(37L * i), List.of((long) i, -1L),
                    i % 3 == 0 ? null : i));
        }
        List<byte[]> chunks = Csv.write(Row.class, Flux.fromIterable(rows), ',', SAMARA,
                        DefaultDataBufferFactory.sharedInstance, 4096)
                .map(CsvTests::bytes)
                .collectList()
                .block();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        chunks.forEach(all::writeBytes);
        assertThat(all.toByteArray()).isEqualTo(Csv.of(Row.class, rows, ',', SAMARA));
        assertThat(chunks).hasSizeGreaterThan(40);
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            assertThat(new String(chunk, chunk.length - 2, 2, StandardCharsets.US_ASCII)).isEqualTo("\r\n");
            assertThat(chunk.length).as("a chunk ends with the row that takes it to 4 KiB").isLessThan(4096 + 200);
            if (i < chunks.size() - 1) {
                assertThat(chunk.length).isGreaterThanOrEqualTo(4096);
            }
        }
    }

    @Test
    void anErrorBeforeTheFirstRowIsTheFirstSignalAndCancellingStopsTheRows() {
        Csv.write(Row.class, Flux.<Row>error(new ReportTimeoutException(new RuntimeException("slow"))), ',', SAMARA,
                        DefaultDataBufferFactory.sharedInstance, 4096)
                .as(StepVerifier::create)
                .expectError(ReportTimeoutException.class)
                .verify();
        List<Integer> read = new ArrayList<>();
        Flux<Row> endless = Flux.range(0, Integer.MAX_VALUE)
                .doOnNext(read::add)
                .map(i -> new Row("row " + i + " of an endless stream", null, List.of(), i));
        Csv.write(Row.class, endless, ',', SAMARA, DefaultDataBufferFactory.sharedInstance, 4096)
                .take(3)
                .as(StepVerifier::create)
                .expectNextCount(3)
                .verifyComplete();
        assertThat(read).as("the rows of three chunks of about 4 KiB, then no more").hasSizeLessThan(2_000);
    }

    private static byte[] bytes(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        return bytes;
    }
}
