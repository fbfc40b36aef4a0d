package ru.rosdistant.gateway.files;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every file download of the gateway must carry ({@link Downloads}), checked on a real answer: saved, never
 * rendered, never cached. Used by the tests of each door that serves files.
 */
public final class DownloadChecks {

    private DownloadChecks() {
    }

    /** The body of a 200 download of the file {@code name}, after checking each of its headers once. */
    public static byte[] downloaded(WebTestClient.ResponseSpec response, String name) {
        return response.expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .expectHeader().valueEquals("X-Content-Type-Options", "nosniff")
                // one policy, the file's own: not the pages' policy beside it
                .expectHeader().valueEquals("Content-Security-Policy", "default-src 'none'; sandbox")
                .expectHeader().value(HttpHeaders.CACHE_CONTROL, value -> assertThat(value)
                        .contains("no-store")
                        .contains("private")
                        .doesNotContain("public"))
                .expectHeader().value(HttpHeaders.CONTENT_DISPOSITION, value -> {
                    ContentDisposition disposition = ContentDisposition.parse(value);
                    assertThat(disposition.isAttachment()).as(value).isTrue();
                    assertThat(disposition.getFilename()).isEqualTo(name);
                })
                .expectBody(byte[].class)
                .consumeWith(result -> assertThat(result.getResponseHeaders().getContentLength())
                        .isEqualTo(result.getResponseBody() == null ? 0 : result.getResponseBody().length))
                .returnResult()
                .getResponseBody();
    }
}
