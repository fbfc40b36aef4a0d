package ru.rosdistant.gateway.files;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * The headers of every file download the gateway serves (a visitor's file, a messenger or e-mail attachment, a file
 * of an agent's answer): whatever the file claims to be, the browser saves it and never renders it. Bytes as
 * {@code application/octet-stream} with {@code nosniff}; {@code Content-Disposition: attachment} with the name in
 * UTF-8 (RFC 6266); a Content-Security-Policy of its own that allows nothing and sandboxes the document, should a
 * browser show it anyway; and no copy kept by the browser or a proxy ({@code Cache-Control: private, no-store}):
 * the files are people's documents. One place, so that no door serves a file with fewer of them.
 */
public final class Downloads {

    /** Nothing may load or run in a downloaded file, and it is a sandboxed origin of its own. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox";

    private Downloads() {
    }

    /** The headers of a download of {@code size} bytes named {@code name} ("file" when it has none). */
    public static Consumer<HttpHeaders> attachment(String name, long size) {
        return headers -> {
            headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
            headers.setContentLength(size);
            headers.setContentDisposition(ContentDisposition.attachment()
                    .filename(name == null || name.isBlank() ? "file" : name, StandardCharsets.UTF_8)
                    .build());
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            headers.setCacheControl(CacheControl.noStore().cachePrivate());
        };
    }
}
