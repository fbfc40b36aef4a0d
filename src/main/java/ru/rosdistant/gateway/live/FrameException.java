package ru.rosdistant.gateway.live;

/** A frame that is refused; the socket answers with an error frame and stays open. */
public class FrameException extends RuntimeException {

    private final ErrorCode code;

    public FrameException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
