package ru.rosdistant.gateway.system;

import java.nio.file.Path;

/** The embedded PostgreSQL's data folder is held by another live gateway. */
class DataFolderInUseException extends RuntimeException {

    private final Path folder;

    private final long holder;

    DataFolderInUseException(Path folder, long holder) {
        super("The embedded PostgreSQL data folder " + folder + " is in use by another running gateway"
                + (holder > 0 ? " (PID " + holder + ")" : ""));
        this.folder = folder;
        this.holder = holder;
    }

    Path folder() {
        return folder;
    }

    long holder() {
        return holder;
    }
}
