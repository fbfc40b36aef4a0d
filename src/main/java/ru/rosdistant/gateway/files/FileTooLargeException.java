package ru.rosdistant.gateway.files;

/** The content went past the limit it was stored with; nothing of it was kept. */
public class FileTooLargeException extends RuntimeException {

    private final long limit;

    public FileTooLargeException(long limit) {
        super("The file is larger than " + limit + " bytes", null, false, false);
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
