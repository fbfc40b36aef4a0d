package ru.rosdistant.gateway.offline;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.netty.http.client.HttpClient;

import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Posts offline forms from a loopback address of its own (127.x.y.z), so that each test has a rate-limit
 * bucket of its own although all tests share one gateway.
 */
final class FormClient {

    private static final AtomicInteger next = new AtomicInteger(ThreadLocalRandom.current().nextInt(1, 200) * 250);

    private final WebTestClient client;

    private final String address;

    FormClient(int port) {
        int n = next.incrementAndGet();
        this.address = "127.0." + (n / 250 % 250 + 1) + "." + (n % 250 + 2);
        HttpClient http = HttpClient.create()
                .bindAddress(() -> new InetSocketAddress(address, 0));
        this.client = WebTestClient.bindToServer(new ReactorClientHttpConnector(http))
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    String address() {
        return address;
    }

    WebTestClient client() {
        return client;
    }

    WebTestClient.ResponseSpec post(Map<String, ?> form, String origin) {
        return client.post()
                .uri("/api/offline-forms")
                .headers(headers -> {
                    if (origin != null) {
                        headers.setOrigin(origin);
                    }
                })
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(form)
                .exchange();
    }

    /** A valid form of the applicant site; change what a test needs. */
    static Map<String, Object> form(String name) {
        Map<String, Object> form = new LinkedHashMap<>();
        form.put("site", "applicant");
        form.put("name", name);
        form.put("email", "visitor-" + System.nanoTime() + "@example.com");
        form.put("phone", uniquePhone());
        form.put("question", "Как поступить на заочное отделение?");
        form.put("consent", true);
        return form;
    }

    /** A valid Russian mobile number nobody else in the test run uses, as a visitor might type it. */
    static String uniquePhone() {
        String digits = String.format("%07d", ThreadLocalRandom.current().nextInt(10_000_000));
        return "8 (927) " + digits.substring(0, 3) + "-" + digits.substring(3, 5) + "-" + digits.substring(5);
    }

    static Map<String, Object> with(Map<String, Object> form, String key, Object value) {
        Map<String, Object> changed = new LinkedHashMap<>(form);
        if (value == null) {
            changed.remove(key);
        }
        else {
            changed.put(key, value);
        }
        return changed;
    }
}
