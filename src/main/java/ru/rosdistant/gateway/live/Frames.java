package ru.rosdistant.gateway.live;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.dialog.Sender;
import ru.rosdistant.gateway.dialog.Triage;

/** Server frames shared by both sockets, shaped as docs/protocol.md shows them. */
public final class Frames {

    private Frames() {
    }

    public static Map<String, Object> message(Message message) {
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
                // the closed event keeps who closed it as its author
                frame.put("closedBy", message.authorName());
            }
            else if (message.event().equals("offline_offered")) {
                // and the offline offer its reason: busy or hours
                frame.put("reason", message.authorName());
            }
            else if (message.event().equals("file")) {
                // a visitor's file: its name; the file is fetched by the dialog and clientMsgId
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

    public static Map<String, Object> ack(Message message, boolean duplicate) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "ack");
        frame.put("dialogId", message.dialogId());
        frame.put("clientMsgId", message.clientMsgId());
        frame.put("seq", message.seq());
        frame.put("at", message.at());
        frame.put("duplicate", duplicate);
        return frame;
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
