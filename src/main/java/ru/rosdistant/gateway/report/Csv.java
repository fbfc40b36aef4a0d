package ru.rosdistant.gateway.report;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneRules;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;

/**
 * Report rows as CSV for Excel: a UTF-8 byte order mark (so that Excel reads Cyrillic), a header of the record's
 * component names, CRLF line ends, RFC 4180 quoting, instants in the report zone. A text that starts with
 * {@code = + - @}, a tab or a CR is prefixed with an apostrophe, so that a visitor's rating comment can never run as
 * an Excel formula.
 * <p>
 * The rows are written in one pass straight into UTF-8 bytes, a chunk at a time ({@link #write}): each record type's
 * columns are found once ({@link Columns}: a method handle per component, primitives read unboxed), times are
 * written digit by digit from the zone's offset (no formatter per field), and no text of the whole file is built.
 */
final class Csv {

    /** The size a chunk of a streamed file is emitted at (a row is never split: a chunk ends after a row). */
    static final int CHUNK_BYTES = 32 * 1024;

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private static final String FORMULA_STARTS = "=+-@\t\r";

    private static final ClassValue<Columns<?>> COLUMNS = new ClassValue<>() {
        @Override
        protected Columns<?> computeValue(Class<?> type) {
            return new Columns<>(type.asSubclass(Record.class));
        }
    };

    private Csv() {
    }

    /** The columns of {@code type}, found once per type. */
    @SuppressWarnings("unchecked")
    static <T extends Record> Columns<T> columns(Class<T> type) {
        return (Columns<T>) COLUMNS.get(type);
    }

    /**
     * {@code rows} as a CSV file in chunks of about {@code chunkBytes}, each emitted once a row takes it past that
     * size (the last at the end). The first chunk, with the byte order mark and the header, goes out with the first
     * rows (or at the end when there are none): an error before the first row is the stream's first signal, so the
     * caller can still answer it with a status. Cancelling the chunks cancels {@code rows}.
     */
    static <T extends Record> Flux<DataBuffer> write(Class<T> type, Flux<T> rows, char delimiter, ZoneId zone,
            DataBufferFactory buffers, int chunkBytes) {
        Columns<T> columns = columns(type);
        return Flux.defer(() -> {
            Out out = new Out(delimiter, zone, chunkBytes + 1024);
            out.bytes(BOM);
            columns.header(out);
            return rows.<DataBuffer>handle((row, sink) -> {
                columns.row(row, out);
                if (out.size() >= chunkBytes) {
                    sink.next(buffers.wrap(out.take()));
                }
            }).concatWith(Mono.fromSupplier(() -> out.size() == 0 ? null : buffers.wrap(out.take())));
        });
    }

    /** The whole file at once (a small table; tests). */
    static <T extends Record> byte[] of(Class<T> type, List<T> rows, char delimiter, ZoneId zone) {
        Columns<T> columns = columns(type);
        Out out = new Out(delimiter, zone, 1024);
        out.bytes(BOM);
        columns.header(out);
        for (T row : rows) {
            columns.row(row, out);
        }
        ByteBuffer all = out.take();
        return Arrays.copyOfRange(all.array(), 0, all.limit());
    }

    /** One field as it is written (quoted and defused as needed). */
    static String field(Object value, char delimiter, ZoneId zone) {
        Out out = new Out(delimiter, zone, 64);
        out.value(value);
        ByteBuffer field = out.take();
        return new String(field.array(), 0, field.limit(), StandardCharsets.UTF_8);
    }

    /** A record type's columns: its component names and a reader of each, found once. */
    static final class Columns<T extends Record> {

        private final byte[][] names;

        private final Column[] columns;

        private Columns(Class<T> type) {
            RecordComponent[] components = type.getRecordComponents();
            names = new byte[components.length][];
            columns = new Column[components.length];
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            for (int i = 0; i < components.length; i++) {
                names[i] = components[i].getName().getBytes(StandardCharsets.UTF_8);
                try {
                    components[i].getAccessor().setAccessible(true);
                    columns[i] = Column.of(components[i].getType(), lookup.unreflect(components[i].getAccessor()));
                }
                catch (ReflectiveOperationException | RuntimeException ex) {
                    throw new IllegalStateException("Cannot read " + type.getName() + "." + components[i].getName(),
                            ex);
                }
            }
        }

        void header(Out out) {
            for (int i = 0; i < names.length; i++) {
                if (i > 0) {
                    out.delimiter();
                }
                out.bytes(names[i]);
            }
            out.lineEnd();
        }

        void row(T row, Out out) {
            for (int i = 0; i < columns.length; i++) {
                if (i > 0) {
                    out.delimiter();
                }
                try {
                    columns[i].write(row, out);
                }
                catch (RuntimeException | Error ex) {
                    throw ex;
                }
                catch (Throwable ex) {
                    throw new IllegalStateException("Cannot read column " + i + " of " + row.getClass().getName(), ex);
                }
            }
            out.lineEnd();
        }
    }

    /**
     * One column: reads its component of a row and writes it. A whole-number component is read through its accessor
     * typed {@code (Object)long} and written as a number without boxing; any other through one typed
     * {@code (Object)Object}. Each is called with {@code invokeExact} at its own type, from a writer of its own.
     */
    @FunctionalInterface
    private interface Column {

        void write(Object row, Out out) throws Throwable;

        static Column of(Class<?> type, MethodHandle accessor) {
            if (type == long.class || type == int.class || type == short.class || type == byte.class) {
                MethodHandle whole = accessor.asType(MethodType.methodType(long.class, Object.class));
                return (row, out) -> out.number((long) whole.invokeExact(row));
            }
            MethodHandle any = accessor.asType(MethodType.methodType(Object.class, Object.class));
            return (row, out) -> out.value((Object) any.invokeExact(row));
        }
    }

    /** The bytes being written: grown as a row needs, handed over a chunk at a time. */
    static final class Out {

        private final byte delimiter;

        private final char delimiterChar;

        private final ZoneId zone;

        private final ZoneRules rules;

        private final int capacity;

        private byte[] bytes;

        private int size;

        Out(char delimiter, ZoneId zone, int capacity) {
            if (delimiter >= 0x80 || delimiter == '"' || delimiter == '\r' || delimiter == '\n') {
                throw new IllegalArgumentException("delimiter: an ASCII character other than a quote or a line end");
            }
            this.delimiter = (byte) delimiter;
            this.delimiterChar = delimiter;
            this.zone = zone;
            this.rules = zone.getRules();
            this.capacity = capacity;
            this.bytes = new byte[capacity];
        }

        int size() {
            return size;
        }

        /** What was written since the last take, as a buffer of its own; writing goes on into a new array. */
        ByteBuffer take() {
            ByteBuffer written = ByteBuffer.wrap(bytes, 0, size);
            bytes = new byte[capacity];
            size = 0;
            return written;
        }

        private void room(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        void bytes(byte[] more) {
            room(more.length);
            System.arraycopy(more, 0, bytes, size, more.length);
            size += more.length;
        }

        void delimiter() {
            room(1);
            bytes[size++] = delimiter;
        }

        void lineEnd() {
            room(2);
            bytes[size++] = '\r';
            bytes[size++] = '\n';
        }

        void value(Object value) {
            if (value == null) {
                return;
            }
            if (value instanceof String text) {
                text(text, true);
            }
            else if (value instanceof Instant instant) {
                time(instant);
            }
            else if (value instanceof Long || value instanceof Integer || value instanceof Short
                    || value instanceof Byte) {
                number(((Number) value).longValue());
            }
            else if (value instanceof Collection<?> values) {
                StringBuilder joined = new StringBuilder();
                boolean first = true;
                for (Object each : values) {
                    if (!first) {
                        joined.append(' ');
                    }
                    joined.append(each);
                    first = false;
                }
                text(joined.toString(), false);
            }
            else {
                text(value.toString(), value instanceof CharSequence);
            }
        }

        void number(long value) {
            if (value == Long.MIN_VALUE) {
                text(Long.toString(value), false);
                return;
            }
            room(20);
            if (value < 0) {
                bytes[size++] = '-';
                value = -value;
            }
            int digits = 1;
            for (long rest = value / 10; rest > 0; rest /= 10) {
                digits++;
            }
            for (int at = size + digits - 1; at >= size; at--) {
                bytes[at] = (byte) ('0' + value % 10);
                value /= 10;
            }
            size += digits;
        }

        /** {@code yyyy-MM-dd HH:mm:ss} in the zone; a year outside 1000–9999 by the formatter. */
        void time(Instant instant) {
            long local = instant.getEpochSecond() + rules.getOffset(instant).getTotalSeconds();
            long day = Math.floorDiv(local, 86_400);
            int second = (int) Math.floorMod(local, 86_400);
            LocalDate date = LocalDate.ofEpochDay(day);
            int year = date.getYear();
            if (year < 1000 || year > 9999) {
                text(LOCAL.format(instant.atZone(zone)), false);
                return;
            }
            room(19);
            digits(year / 100);
            digits(year % 100);
            bytes[size++] = '-';
            digits(date.getMonthValue());
            bytes[size++] = '-';
            digits(date.getDayOfMonth());
            bytes[size++] = ' ';
            digits(second / 3600);
            bytes[size++] = ':';
            digits(second / 60 % 60);
            bytes[size++] = ':';
            digits(second % 60);
        }

        private void digits(int twoDigits) {
            bytes[size++] = (byte) ('0' + twoDigits / 10);
            bytes[size++] = (byte) ('0' + twoDigits % 10);
        }

        /**
         * A text field, quoted when it holds the delimiter, a quote or a line end (its quotes doubled), prefixed
         * with an apostrophe when {@code defuse} and it starts like a formula; UTF-8 as {@link String#getBytes}
         * writes it (a lone surrogate becomes {@code ?}).
         */
        void text(String text, boolean defuse) {
            int length = text.length();
            boolean quote = false;
            for (int i = 0; i < length; i++) {
                char c = text.charAt(i);
                if (c == delimiterChar || c == '"' || c == '\n' || c == '\r') {
                    quote = true;
                    break;
                }
            }
            boolean prefix = defuse && length > 0 && FORMULA_STARTS.indexOf(text.charAt(0)) >= 0;
            // at most 3 bytes a char (a pair of surrogates: 4 for 2), a doubled quote 2, the quotes and the prefix
            room(length * 3 + 3);
            if (quote) {
                bytes[size++] = '"';
            }
            if (prefix) {
                bytes[size++] = '\'';
            }
            for (int i = 0; i < length; i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    if (c == '"') {
                        bytes[size++] = '"';
                    }
                    bytes[size++] = (byte) c;
                }
                else if (c < 0x800) {
                    bytes[size++] = (byte) (0xC0 | c >> 6);
                    bytes[size++] = (byte) (0x80 | c & 0x3F);
                }
                else if (Character.isSurrogate(c)) {
                    if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                        int code = Character.toCodePoint(c, text.charAt(++i));
                        bytes[size++] = (byte) (0xF0 | code >> 18);
                        bytes[size++] = (byte) (0x80 | code >> 12 & 0x3F);
                        bytes[size++] = (byte) (0x80 | code >> 6 & 0x3F);
                        bytes[size++] = (byte) (0x80 | code & 0x3F);
                    }
                    else {
                        bytes[size++] = '?';
                    }
                }
                else {
                    bytes[size++] = (byte) (0xE0 | c >> 12);
                    bytes[size++] = (byte) (0x80 | c >> 6 & 0x3F);
                    bytes[size++] = (byte) (0x80 | c & 0x3F);
                }
            }
            if (quote) {
                bytes[size++] = '"';
            }
        }
    }
}
