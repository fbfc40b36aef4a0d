package ru.rosdistant.gateway.files;

/** A file in the {@link FileStore}: its key there, its size and the hex SHA-256 of its content. */
public record StoredFile(String key, long size, String sha256) {
}
