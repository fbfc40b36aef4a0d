package ru.rosdistant.gateway.live;

import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.dialog.Sender;

/**
 * Writes the two frames every chat message costs, {@code message} and {@code ack}, straight as UTF-8 bytes: no
 * serialization context, generator, write contexts or intermediate buffers per frame, no {@code Instant.toString}
 * (its formatter boxes and builds strings), no UUID string. The bytes are exactly what Jackson writes for the same
 * fields in the same order ({@code FramesTests} compares them over every character class: escapes, non-ASCII,
 * surrogate pairs, the instants' fractions); a text Jackson would treat otherwise (an unpaired surrogate) or a year
 * outside 0000–9999 is left to Jackson ({@link #message} and {@link #ack} give null).
 */
final class FrameCodec {

    private FrameCodec() {
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static final byte[] HEX_UPPER = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** A frame that can write its own bytes; null when it must be left to Jackson. */
    interface SelfEncoding {

        byte[] utf8();
    }

    /** Per thread: the frame is written here, then copied out at its length (the one array a frame costs). */
    private static final ThreadLocal<Writer> WRITERS = ThreadLocal.withInitial(Writer::new);

    /** The {@code message} frame of {@link Frames#message}, or null when only Jackson can write it. */
    static byte[] message(Message message) {
        Writer out = WRITERS.get();
        out.reset();
        out.raw("{\"type\":\"message\",\"dialogId\":");
        out.uuid(message.dialogId());
        out.raw(",\"seq\":");
        out.number(message.seq());
        out.raw(",\"from\":");
        out.raw(FROM[message.sender().ordinal()]);
        out.raw(",\"text\":");
        out.string(message.body());
        out.raw(",\"at\":");
        out.instant(message.at());
        if (message.clientMsgId() != null) {
            out.raw(",\"clientMsgId\":");
            out.string(message.clientMsgId());
        }
        String event = message.event();
        if (event != null) {
            out.raw(",\"event\":");
            out.string(event);
            if (event.equals("closed")) {
                out.raw(",\"closedBy\":");
                out.string(message.authorName());
            }
            else if (event.equals("offline_offered")) {
                out.raw(",\"reason\":");
                out.string(message.authorName());
            }
            else if (event.equals("file")) {
                out.raw(",\"fileName\":");
                out.string(message.authorName());
            }
            else if (message.authorName() != null) {
                out.raw(",\"agentName\":");
                out.string(message.authorName());
            }
        }
        else if (message.sender() == Sender.AGENT) {
            out.raw(",\"agentName\":");
            out.string(message.authorName());
        }
        out.raw("}");
        return out.result();
    }

    /** The {@code ack} frame of {@link Frames#ack}, or null when only Jackson can write it. */
    static byte[] ack(Message message, boolean duplicate) {
        Writer out = WRITERS.get();
        out.reset();
        out.raw("{\"type\":\"ack\",\"dialogId\":");
        out.uuid(message.dialogId());
        out.raw(",\"clientMsgId\":");
        out.string(message.clientMsgId());
        out.raw(",\"seq\":");
        out.number(message.seq());
        out.raw(",\"at\":");
        out.instant(message.at());
        out.raw(duplicate ? ",\"duplicate\":true}" : ",\"duplicate\":false}");
        return out.result();
    }

    /** {@code "from"}'s value per sender, quoted: the sender in lower case. */
    private static final String[] FROM = Arrays.stream(Sender.values())
            .map(sender -> "\"" + sender.name().toLowerCase(java.util.Locale.ROOT) + "\"")
            .toArray(String[]::new);

    /** A growing byte buffer; {@code failed} when something must be left to Jackson. */
    private static final class Writer {

        private byte[] buffer = new byte[512];

        private int length;

        private boolean failed;

        void reset() {
            length = 0;
            failed = false;
            if (buffer.length > 64 * 1024) {
                // a huge text once: do not keep its buffer for good
                buffer = new byte[512];
            }
        }

        byte[] result() {
            return failed ? null : Arrays.copyOf(buffer, length);
        }

        private void room(int more) {
            if (length + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
            }
        }

        /** ASCII only. */
        void raw(String ascii) {
            int n = ascii.length();
            room(n);
            ascii.getBytes(0, n, buffer, length);
            length += n;
        }

        void number(long value) {
            if (value < 0) {
                // never for a seq; written as Java and Jackson write it
                raw(Long.toString(value));
                return;
            }
            int count = 1;
            for (long rest = value / 10; rest != 0; rest /= 10) {
                count++;
            }
            room(count);
            for (int i = count - 1; i >= 0; i--) {
                buffer[length + i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            length += count;
        }

        void uuid(UUID id) {
            if (id == null) {
                raw("null");
                return;
            }
            room(38);
            buffer[length++] = '"';
            long high = id.getMostSignificantBits();
            long low = id.getLeastSignificantBits();
            hex(high >>> 32, 8);
            buffer[length++] = '-';
            hex(high >>> 16, 4);
            buffer[length++] = '-';
            hex(high, 4);
            buffer[length++] = '-';
            hex(low >>> 48, 4);
            buffer[length++] = '-';
            hex(low, 12);
            buffer[length++] = '"';
        }

        private void hex(long value, int digits) {
            for (int i = digits - 1; i >= 0; i--) {
                buffer[length + i] = HEX[(int) (value & 0xF)];
                value >>>= 4;
            }
            length += digits;
        }

        /** A JSON string as Jackson's UTF-8 generator writes it with its default features. */
        void string(String text) {
            if (text == null) {
                raw("null");
                return;
            }
            int n = text.length();
            // at most 6 bytes per char (an escaped control character), 3 for any other
            room(n * 6 + 2);
            byte[] out = buffer;
            int at = length;
            out[at++] = '"';
            for (int i = 0; i < n; i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    if (c >= 0x20 && c != '"' && c != '\\') {
                        out[at++] = (byte) c;
                        continue;
                    }
                    out[at++] = '\\';
                    switch (c) {
                        case '"' -> out[at++] = '"';
                        case '\\' -> out[at++] = '\\';
                        case '\b' -> out[at++] = 'b';
                        case '\t' -> out[at++] = 't';
                        case '\n' -> out[at++] = 'n';
                        case '\f' -> out[at++] = 'f';
                        case '\r' -> out[at++] = 'r';
                        default -> {
                            out[at++] = 'u';
                            out[at++] = '0';
                            out[at++] = '0';
                            out[at++] = HEX_UPPER[c >> 4];
                            out[at++] = HEX_UPPER[c & 0xF];
                        }
                    }
                }
                else if (c < 0x800) {
                    out[at++] = (byte) (0xC0 | (c >> 6));
                    out[at++] = (byte) (0x80 | (c & 0x3F));
                }
                else if (Character.isSurrogate(c)) {
                    if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                        int code = Character.toCodePoint(c, text.charAt(++i));
                        out[at++] = (byte) (0xF0 | (code >> 18));
                        out[at++] = (byte) (0x80 | ((code >> 12) & 0x3F));
                        out[at++] = (byte) (0x80 | ((code >> 6) & 0x3F));
                        out[at++] = (byte) (0x80 | (code & 0x3F));
                    }
                    else {
                        // an unpaired surrogate: whatever Jackson does with it, it does it
                        failed = true;
                        length = at;
                        return;
                    }
                }
                else {
                    out[at++] = (byte) (0xE0 | (c >> 12));
                    out[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    out[at++] = (byte) (0x80 | (c & 0x3F));
                }
            }
            out[at++] = '"';
            length = at;
        }

        /** As {@code DateTimeFormatter.ISO_INSTANT} (Jackson's default for an Instant): fractions in 3, 6 or 9 digits. */
        void instant(Instant instant) {
            if (instant == null) {
                raw("null");
                return;
            }
            long seconds = instant.getEpochSecond();
            long days = Math.floorDiv(seconds, 86_400L);
            int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
            // the civil date of a day count (H. Hinnant's days_from_civil inverse)
            long z = days + 719_468L;
            long era = Math.floorDiv(z, 146_097L);
            long dayOfEra = z - era * 146_097L;
            long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
            long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
            long mp = (5 * dayOfYear + 2) / 153;
            int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
            int month = (int) (mp < 10 ? mp + 3 : mp - 9);
            long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
            if (year < 0 || year > 9999) {
                failed = true;
                return;
            }
            room(32);
            buffer[length++] = '"';
            digits((int) year, 4);
            buffer[length++] = '-';
            digits(month, 2);
            buffer[length++] = '-';
            digits(day, 2);
            buffer[length++] = 'T';
            digits(secondOfDay / 3600, 2);
            buffer[length++] = ':';
            digits(secondOfDay / 60 % 60, 2);
            buffer[length++] = ':';
            digits(secondOfDay % 60, 2);
            int nano = instant.getNano();
            if (nano != 0) {
                buffer[length++] = '.';
                if (nano % 1_000_000 == 0) {
                    digits(nano / 1_000_000, 3);
                }
                else if (nano % 1000 == 0) {
                    digits(nano / 1000, 6);
                }
                else {
                    digits(nano, 9);
                }
            }
            buffer[length++] = 'Z';
            buffer[length++] = '"';
        }

        private void digits(int value, int count) {
            for (int i = count - 1; i >= 0; i--) {
                buffer[length + i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            length += count;
        }
    }
}
