package ru.rosdistant.gateway.live;

import java.util.UUID;

import tools.jackson.databind.JsonNode;

/** A parsed client frame with typed accessors that refuse missing or mistyped fields clearly. */
public record InboundFrame(String type, JsonNode body) {

    /** What error frames echo back: the frame's clientMsgId, else its ref. */
    public String ref() {
        String client = optionalText("clientMsgId");
        return client != null ? client : optionalText("ref");
    }

    public String text(String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.isString()) {
            throw new FrameException(ErrorCode.MISSING_FIELD, "'" + field + "' must be a string");
        }
        return node.asString();
    }

    public String optionalText(String field) {
        JsonNode node = body.get(field);
        return node != null && node.isString() ? node.asString() : null;
    }

    public UUID uuid(String field) {
        try {
            return UUID.fromString(text(field));
        }
        catch (IllegalArgumentException ex) {
            throw new FrameException(ErrorCode.UNKNOWN_DIALOG, "'" + field + "' is not a known id");
        }
    }

    public long nonNegativeLong(String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < 0) {
            throw new FrameException(ErrorCode.MISSING_FIELD, "'" + field + "' must be a whole number >= 0");
        }
        return node.asLong();
    }

    public boolean bool(String field) {
        JsonNode node = body.get(field);
        if (node == null || !node.isBoolean()) {
            throw new FrameException(ErrorCode.MISSING_FIELD, "'" + field + "' must be true or false");
        }
        return node.asBoolean();
    }
}
