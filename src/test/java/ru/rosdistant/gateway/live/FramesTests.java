package ru.rosdistant.gateway.live;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.dialog.Sender;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The message and ack frames write themselves field by field; their JSON must be exactly that of a map of the same
 * entries in the same order (the shape docs/protocol.md shows and the widget and console read), nulls included.
 */
class FramesTests {

    private final JsonMapper json = JsonMapper.builder().build();

    private static final UUID DIALOG = UUID.fromString("5b0a3c1e-8f1d-4a8e-9c4e-0d6f2b7a1c39");

    private static final Instant AT = Instant.parse("2026-12-07T10:15:30.123456Z");

    @Test
    void messageFramesAreTheMapsTheyReplace() {
        List<Message> messages = List.of(
                new Message(DIALOG, 1, Sender.VISITOR, null, null, "c-1", null, "Здравствуйте! \"quoted\" \\ \n", AT),
                new Message(DIALOG, 2, Sender.AGENT, 7L, "Анна", "c-2", null, "Добрый день", AT),
                new Message(DIALOG, 3, Sender.AGENT, 7L, null, null, null, "no name", AT),
                new Message(DIALOG, 4, Sender.SYSTEM, null, "Анна", null, "closed", null, AT),
                new Message(DIALOG, 5, Sender.SYSTEM, null, "hours", null, "offline_offered", null, AT),
                new Message(DIALOG, 6, Sender.VISITOR, null, "cv.pdf", "f-1", "file", "cv.pdf", AT),
                new Message(DIALOG, 7, Sender.SYSTEM, null, "Анна", null, "assigned", null, AT),
                new Message(DIALOG, 8, Sender.SYSTEM, null, null, null, "waiting", null, AT));
        for (Message message : messages) {
            assertThat(json.writeValueAsString(Frames.message(message)))
                    .isEqualTo(json.writeValueAsString(messageMap(message)));
        }
    }

    @Test
    void ackFramesAreTheMapsTheyReplace() {
        Message stored = new Message(DIALOG, 12, Sender.VISITOR, null, null, "c-12", null, "text", AT);
        Message withoutId = new Message(DIALOG, 13, Sender.AGENT, 7L, "Анна", null, null, "text", AT);
        for (Message message : List.of(stored, withoutId)) {
            for (boolean duplicate : new boolean[] {false, true}) {
                assertThat(json.writeValueAsString(Frames.ack(message, duplicate)))
                        .isEqualTo(json.writeValueAsString(ackMap(message, duplicate)));
            }
        }
    }

    /**
     * The frames written straight as bytes ({@link FrameCodec}) are byte for byte Jackson's: every ASCII character
     * (escapes), the UTF-8 boundaries, surrogate pairs, and instants with no, 3, 6 and 9 digits of fraction.
     */
    @Test
    void bytesWrittenDirectlyAreJacksons() {
        StringBuilder ascii = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            ascii.append(c);
        }
        List<String> texts = List.of(ascii.toString(), "Здравствуйте! \"quoted\" \\ \n", "\u0080\u07FF\u0800\uFFFF",
                "emoji \uD83D\uDE00 and \u2028 \u2029 \u00A0 é", "", "/ </script> &amp; '");
        List<Instant> instants = List.of(AT, Instant.parse("2026-12-07T10:15:30Z"),
                Instant.parse("2026-12-07T10:15:30.120Z"), Instant.parse("2026-02-28T23:59:59.123456789Z"),
                Instant.parse("2024-02-29T00:00:00.000001Z"), Instant.EPOCH, Instant.parse("1969-12-31T23:59:59.5Z"),
                Instant.parse("0001-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("2000-03-01T12:00:00.010Z"), Instant.parse("2100-03-01T12:00:00.000100Z"));
        long[] seqs = {0, 1, 9, 10, 99, 12345, Long.MAX_VALUE};
        int checked = 0;
        for (String text : texts) {
            for (Instant at : instants) {
                for (long seq : seqs) {
                    List<Message> messages = List.of(
                            new Message(DIALOG, seq, Sender.VISITOR, null, null, text, null, text, at),
                            new Message(UUID.randomUUID(), seq, Sender.AGENT, 7L, text, null, null, text, at),
                            new Message(DIALOG, seq, Sender.SYSTEM, null, text, null, "closed", null, at),
                            new Message(DIALOG, seq, Sender.SYSTEM, null, null, null, "waiting", text, at));
                    for (Message message : messages) {
                        assertThat(new String(((FrameCodec.SelfEncoding) Frames.message(message)).utf8(),
                                java.nio.charset.StandardCharsets.UTF_8))
                                .isEqualTo(json.writeValueAsString(messageMap(message)));
                        assertThat(((FrameCodec.SelfEncoding) Frames.ack(message, seq % 2 == 0)).utf8())
                                .isEqualTo(json.writeValueAsBytes(ackMap(message, seq % 2 == 0)));
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(texts.size() * instants.size() * seqs.length * 4);
        // what only Jackson decides is left to it: an unpaired surrogate, a year past 9999
        Message unpaired = new Message(DIALOG, 1, Sender.VISITOR, null, null, "c", null, "a\uD83D b", AT);
        assertThat(((FrameCodec.SelfEncoding) Frames.message(unpaired)).utf8()).isNull();
        Message far = new Message(DIALOG, 1, Sender.VISITOR, null, null, "c", null, "a", Instant.parse("+10000-01-01T00:00:00Z"));
        assertThat(((FrameCodec.SelfEncoding) Frames.ack(far, false)).utf8()).isNull();
        // and the next frame on the same thread is whole again
        assertThat(((FrameCodec.SelfEncoding) Frames.ack(unpaired, false)).utf8())
                .isEqualTo(json.writeValueAsBytes(ackMap(unpaired, false)));
    }

    @Test
    void framesReadBackAsTheirFields() {
        Message message = new Message(DIALOG, 2, Sender.AGENT, 7L, "Анна", "c-2", null, "Добрый день", AT);
        @SuppressWarnings("unchecked")
        Map<String, Object> frame = json.readValue(json.writeValueAsBytes(Frames.message(message)), Map.class);
        assertThat(frame).containsEntry("type", "message")
                .containsEntry("dialogId", DIALOG.toString())
                .containsEntry("seq", 2)
                .containsEntry("from", "agent")
                .containsEntry("text", "Добрый день")
                .containsEntry("agentName", "Анна");
    }

    /** The frame as a map, the way it was built before it wrote itself. */
    private static Map<String, Object> messageMap(Message message) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "message");
        frame.put("dialogId", message.dialogId());
        frame.put("seq", message.seq());
        frame.put("from", message.sender().name().toLowerCase());
        frame.put("text", message.body());
        frame.put("at", message.at());
        if (message.clientMsgId() != null) {
            frame.put("clientMsgId", message.clientMsgId());
        }
        if (message.event() != null) {
            frame.put("event", message.event());
            if (message.event().equals("closed")) {
                frame.put("closedBy", message.authorName());
            }
            else if (message.event().equals("offline_offered")) {
                frame.put("reason", message.authorName());
            }
            else if (message.event().equals("file")) {
                frame.put("fileName", message.authorName());
            }
            else if (message.authorName() != null) {
                frame.put("agentName", message.authorName());
            }
        }
        else if (message.sender() == Sender.AGENT) {
            frame.put("agentName", message.authorName());
        }
        return frame;
    }

    private static Map<String, Object> ackMap(Message message, boolean duplicate) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "ack");
        frame.put("dialogId", message.dialogId());
        frame.put("clientMsgId", message.clientMsgId());
        frame.put("seq", message.seq());
        frame.put("at", message.at());
        frame.put("duplicate", duplicate);
        return frame;
    }
}
