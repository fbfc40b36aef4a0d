package ru.rosdistant.gateway.shared;

import java.util.LinkedHashMap;
import java.util.Map;

import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.dialog.Sender;

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
        }
        return summary;
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
