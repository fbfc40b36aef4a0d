package ru.rosdistant.gateway.report;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Report rows as CSV for Excel: a UTF-8 byte order mark (so that Excel reads Cyrillic), a header of the record's
 * component names, CRLF line ends, RFC 4180 quoting, instants in the report zone. A text that starts with
 * {@code = + - @} or a tab is prefixed with an apostrophe, so that a visitor's rating comment can never run as an
 * Excel formula.
 */
final class Csv {

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private Csv() {
    }

    static byte[] of(Class<? extends Record> type, List<? extends Record> rows, char delimiter, ZoneId zone) {
        RecordComponent[] components = type.getRecordComponents();
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < components.length; i++) {
            if (i > 0) {
                csv.append(delimiter);
            }
            csv.append(components[i].getName());
        }
        csv.append("\r\n");
        for (Record row : rows) {
            for (int i = 0; i < components.length; i++) {
                if (i > 0) {
                    csv.append(delimiter);
                }
                csv.append(field(value(components[i], row), delimiter, zone));
            }
            csv.append("\r\n");
        }
        byte[] text = csv.toString().getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[BOM.length + text.length];
        System.arraycopy(BOM, 0, withBom, 0, BOM.length);
        System.arraycopy(text, 0, withBom, BOM.length, text.length);
        return withBom;
    }

    private static Object value(RecordComponent component, Record row) {
        try {
            return component.getAccessor().invoke(row);
        }
        catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("Cannot read " + component.getName(), ex);
        }
    }

    static String field(Object value, char delimiter, ZoneId zone) {
        if (value == null) {
            return "";
        }
        String text;
        if (value instanceof Instant instant) {
            text = LOCAL.format(instant.atZone(zone));
        }
        else if (value instanceof Collection<?> values) {
            text = values.stream().map(String::valueOf).collect(Collectors.joining(" "));
        }
        else {
            text = String.valueOf(value);
        }
        if (value instanceof CharSequence && !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        if (text.indexOf(delimiter) >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0
                || text.indexOf('\r') >= 0) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
