package ru.rosdistant.gateway.live;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JacksonSerializable;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.jsontype.TypeSerializer;

import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.dialog.Sender;
import ru.rosdistant.gateway.dialog.Triage;

/** Server frames shared by both sockets, shaped as docs/protocol.md shows them. */
public final class Frames {

    private Frames() {
    }

    /**
     * A {@code message} frame. It writes itself field by field (no map per frame: this is the frame every message
     * costs each socket that follows its dialog); the JSON is what a map of the same entries would give.
     */
    public static Object message(Message message) {
        return new MessageFrame(message);
    }

    /** The {@code ack} of a stored message, written field by field like {@link #message}. */
    public static Object ack(Message message, boolean duplicate) {
        return new AckFrame(message, duplicate);
    }

    /** {@code from} of a message frame: the sender in lower case. */
    private static final Map<Sender, String> FROM = new EnumMap<>(Sender.class);

    static {
        for (Sender sender : Sender.values()) {
            FROM.put(sender, sender.name().toLowerCase(Locale.ROOT));
        }
    }

    private record MessageFrame(Message message) implements JacksonSerializable, FrameCodec.SelfEncoding {

        @Override
        public byte[] utf8() {
            return FrameCodec.message(message);
        }

        @Override
        public void serialize(JsonGenerator out, SerializationContext context) {
            out.writeStartObject();
            out.writeStringProperty("type", "message");
            out.writeStringProperty("dialogId", message.dialogId().toString());
            out.writeNumberProperty("seq", message.seq());
            out.writeStringProperty("from", FROM.get(message.sender()));
            out.writeStringProperty("text", message.body());
            out.writeName("at");
            context.writeValue(out, message.at());
            if (message.clientMsgId() != null) {
                out.writeStringProperty("clientMsgId", message.clientMsgId());
            }
            String event = message.event();
            if (event != null) {
                out.writeStringProperty("event", event);
                if (event.equals("closed")) {
                    // the closed event keeps who closed it as its author
                    out.writeStringProperty("closedBy", message.authorName());
                }
                else if (event.equals("offline_offered")) {
                    // and the offline offer its reason: busy or hours
                    out.writeStringProperty("reason", message.authorName());
                }
                else if (event.equals("file")) {
                    // a visitor's file: its name; the file is fetched by the dialog and clientMsgId
                    out.writeStringProperty("fileName", message.authorName());
                }
                else if (message.authorName() != null) {
                    out.writeStringProperty("agentName", message.authorName());
                }
            }
            else if (message.sender() == Sender.AGENT) {
                out.writeStringProperty("agentName", message.authorName());
            }
            out.writeEndObject();
        }

        @Override
        public void serializeWithType(JsonGenerator out, SerializationContext context, TypeSerializer types) {
            serialize(out, context);
        }
    }

    private record AckFrame(Message message, boolean duplicate) implements JacksonSerializable,
            FrameCodec.SelfEncoding {

        @Override
        public byte[] utf8() {
            return FrameCodec.ack(message, duplicate);
        }

        @Override
        public void serialize(JsonGenerator out, SerializationContext context) {
            out.writeStartObject();
            out.writeStringProperty("type", "ack");
            out.writeStringProperty("dialogId", message.dialogId().toString());
            out.writeStringProperty("clientMsgId", message.clientMsgId());
            out.writeNumberProperty("seq", message.seq());
            out.writeName("at");
            context.writeValue(out, message.at());
            out.writeBooleanProperty("duplicate", duplicate);
            out.writeEndObject();
        }

        @Override
        public void serializeWithType(JsonGenerator out, SerializationContext context, TypeSerializer types) {
            serialize(out, context);
        }
    }

    /** A dialog summary; {@code forStaff} adds what only agents see. */
    public static Map<String, Object> dialog(Dialog dialog, boolean forStaff, String siteName) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("dialogId", dialog.id());
        summary.put("site", dialog.siteId());
        summary.put("line", dialog.lineId());
        summary.put("state", dialog.state().name());
        summary.put("agentName", dialog.agentName());
        summary.put("lastSeq", dialog.lastSeq());
        summary.put("openedAt", dialog.openedAt());
        summary.put("closedAt", dialog.closedAt());
        if (forStaff) {
            summary.put("siteName", siteName);
            summary.put("agentId", dialog.agentId());
            summary.put("visitorName", dialog.visitorName());
            summary.put("channel", dialog.channel());
            summary.put("assignedAt", dialog.assignedAt());
            summary.put("forward", dialog.lastForward());
            summary.put("triage", dialog.triage());
            summary.put("appealType", dialog.appealType());
            summary.put("requestNumber", dialog.requestNumber());
            Dialog.Inbox inbox = dialog.inbox() == null ? Dialog.Inbox.NONE : dialog.inbox();
            String number = visitorNumber(dialog.visitorId());
            summary.put("title", title(inbox.cardName(), dialog.visitorName(), siteName, number));
            summary.put("cardName", inbox.cardName());
            summary.put("visitorNumber", number);
            summary.put("channelName", channelName(dialog.channel(), siteName));
            summary.put("preview", inbox.preview());
            summary.put("waitingSince", inbox.waitingSince());
            summary.put("unread", inbox.unread());
            summary.put("needsAppealType", dialog.isClosed() && dialog.appealType() == null
                    && dialog.agentId() != null && dialog.triage() != Triage.SPAM);
        }
        return summary;
    }

    /** Who the person is for the dialog list: the card's name, else the name they gave, else site and number. */
    static String title(String cardName, String visitorName, String siteName, String number) {
        if (cardName != null && !cardName.isBlank()) {
            return cardName.strip();
        }
        if (visitorName != null && !visitorName.isBlank()) {
            return visitorName.strip();
        }
        return siteName + " · №" + number;
    }

    /** A short number for a visitor without a name: four digits from their (random) id, the same every time. */
    static String visitorNumber(UUID visitorId) {
        if (visitorId == null) {
            return "0000";
        }
        return String.format(Locale.ROOT, "%04d", Long.remainderUnsigned(visitorId.getMostSignificantBits(), 10_000));
    }

    /** The channel as the list shows it: the widget of a site, or the messenger. */
    static String channelName(String channel, String siteName) {
        if (channel == null || channel.equals("WIDGET")) {
            return "Виджет · " + siteName;
        }
        return switch (channel) {
            case "TELEGRAM" -> "Telegram";
            case "VIBER" -> "Viber";
            case "WHATSAPP" -> "WhatsApp";
            case "VK" -> "ВКонтакте";
            case "MAX" -> "MAX";
            case "EMAIL" -> "Эл. почта · " + siteName;
            default -> channel;
        };
    }

    public static Map<String, Object> typing(String dialogId, String from, boolean typing, String name) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "typing");
        frame.put("dialogId", dialogId);
        frame.put("from", from);
        frame.put("typing", typing);
        if (name != null) {
            frame.put("name", name);
        }
        return frame;
    }

    /** Checks a message text against the limit; empty texts are refused too. */
    public static String checkedText(InboundFrame frame, int maxLength) {
        String text = frame.text("text");
        if (text.isBlank()) {
            throw new FrameException(ErrorCode.TEXT_TOO_LONG, "The message text is empty");
        }
        if (text.codePointCount(0, text.length()) > maxLength) {
            throw new FrameException(ErrorCode.TEXT_TOO_LONG,
                    "The message text is longer than " + maxLength + " characters");
        }
        return text;
    }

    /** An optional note for a colleague, at most 2000 characters. */
    public static String checkedNote(InboundFrame frame) {
        String note = frame.optionalText("note");
        if (note != null && note.length() > 2000) {
            throw new FrameException(ErrorCode.TEXT_TOO_LONG, "The note is longer than 2000 characters");
        }
        return note == null || note.isBlank() ? null : note.strip();
    }

    public static String checkedClientMsgId(InboundFrame frame) {
        String id = frame.text("clientMsgId");
        if (id.isEmpty() || id.length() > 64) {
            throw new FrameException(ErrorCode.MISSING_FIELD, "'clientMsgId' must have 1 to 64 characters");
        }
        return id;
    }
}
