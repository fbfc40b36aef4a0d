package ru.rosdistant.gateway.live;

/** The codes of error frames on both sockets (docs/protocol.md lists them with their meaning). */
public enum ErrorCode {
    BAD_JSON(false), UNKNOWN_TYPE(false), MISSING_FIELD(false), FRAME_TOO_LARGE(false), TEXT_TOO_LONG(false),
    RATE_LIMITED(true), NOT_READY(false), TOKEN_INVALID(false), UNKNOWN_DIALOG(false), FORBIDDEN(false),
    DIALOG_CLOSED(false), OFFER_GONE(false), INVALID_FIELD(false), IDENTITY_INVALID(false), STORAGE_UNAVAILABLE(true),
    INTERNAL(true), CLIENT_LIMITED(true), TRANSCRIPT_ADDRESS(false);

    private final boolean retryable;

    ErrorCode(boolean retryable) {
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
