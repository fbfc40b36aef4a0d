package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import io.netty.channel.ChannelOption;
import io.netty.handler.timeout.ReadTimeoutException;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * iTop's REST/JSON API ({@code webservices/rest.php?version=…}, the operation in the form field {@code json_data}).
 * iTop answers HTTP 200 whatever happened, with {@code code} 0 on success; every answer is parsed, and anything else
 * becomes an exception: {@link Refused} for what will not change by trying again (1 unauthorized — the account or
 * its «REST Services User» profile —, 5/6 credentials missing, 2–4 and 10–13 a request iTop cannot take), and
 * {@link Unavailable} for what may (100 an internal error, a 5xx, no answer, a page that is not JSON such as a
 * login form put in front of the API).
 */
@Component
@ConditionalOnProperty("gateway.ticket-desk.url")
class ItopClient {

    /** iTop's {@code RestResult} codes that mean the account is not let in. */
    private static final Set<Integer> UNAUTHORIZED = Set.of(1, 5, 6);

    private static final int INTERNAL_ERROR = 100;

    static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;

    private final WebClient web;

    private final JsonMapper json;

    private final TicketDeskProperties properties;

    private final String endpoint;

    private final MultiValueMap<String, String> credentials = new LinkedMultiValueMap<>();

    private final String token;

    ItopClient(TicketDeskProperties properties, Environment environment, JsonMapper json) {
        this.properties = properties;
        this.json = json;
        this.endpoint = UriComponentsBuilder.fromUri(properties.url())
                .path(properties.url().getPath().endsWith("/") ? "webservices/rest.php" : "/webservices/rest.php")
                .queryParam("version", properties.version())
                .build()
                .toUriString();
        List<String> missing = new ArrayList<>();
        this.token = properties.tokenEnv() == null ? null : secret(environment, properties.tokenEnv(), missing);
        if (properties.tokenEnv() == null) {
            credentials.add("auth_user", secret(environment, properties.userEnv(), missing));
            credentials.add("auth_pwd", secret(environment, properties.passwordEnv(), missing));
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("gateway.ticket-desk: " + String.join(", ", missing) + " not set; name "
                    + "the variables holding the iTop account's secrets in token-env, or user-env and password-env");
        }
        HttpClient http = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(10_000, properties.timeout().toMillis()))
                .responseTimeout(properties.timeout());
        this.web = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(http))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(MAX_ANSWER_BYTES))
                .build();
    }

    /** The desk's answer to one operation: its message and the objects it names (empty when none). */
    record Answer(String message, List<JsonNode> objects) {
    }

    /** The desk refuses, and will refuse again: the administrator has to act. */
    static final class Refused extends TicketDeskUnavailable {

        private final boolean unauthorized;

        Refused(String message, boolean unauthorized) {
            super(message);
            this.unauthorized = unauthorized;
        }

        boolean unauthorized() {
            return unauthorized;
        }
    }

    /** The desk did not answer usefully this time; later it may. */
    static sealed class Unavailable extends TicketDeskUnavailable permits TooLarge {

        Unavailable(String message) {
            super(message);
        }

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The answer was over {@value #MAX_ANSWER_BYTES} bytes: asking the same again gets the same. */
    static final class TooLarge extends Unavailable {

        TooLarge(String message, Throwable cause) {
            super(message, cause);
        }
    }

    ObjectNode operation(String verb) {
        return json.createObjectNode().put("operation", verb);
    }

    String ticketClass() {
        return properties.ticketClass();
    }

    /** Sends one operation and parses what comes back. */
    Mono<Answer> call(ObjectNode operation) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>(credentials);
        form.add("json_data", operation.toString());
        String verb = operation.path("operation").asString("");
        return web.post()
                .uri(endpoint)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .accept(MediaType.APPLICATION_JSON)
                .headers(headers -> {
                    if (token != null) {
                        headers.set("Auth-Token", token);
                    }
                })
                .body(BodyInserters.fromFormData(form))
                .exchangeToMono(response -> response.bodyToMono(String.class)
                        .defaultIfEmpty("")
                        .flatMap(body -> parse(verb, response.statusCode(), body)))
                .timeout(properties.timeout().plusSeconds(5))
                .onErrorMap(error -> !(error instanceof TicketDeskUnavailable),
                        error -> causedBy(error, DataBufferLimitException.class)
                                ? new TooLarge("iTop " + verb + ": an answer over " + MAX_ANSWER_BYTES + " bytes", error)
                                : new Unavailable("iTop " + verb + ": " + describe(error), error));
    }

    private Mono<Answer> parse(String verb, HttpStatusCode status, String body) {
        if (status.is5xxServerError() || status.value() == 429 || status.value() == 408) {
            return Mono.error(new Unavailable("iTop " + verb + ": HTTP " + status.value()));
        }
        if (status.value() == 401 || status.value() == 403) {
            return Mono.error(new Refused("iTop " + verb + ": HTTP " + status.value() + " (" + checkTheAccount() + ")",
                    true));
        }
        if (!status.is2xxSuccessful()) {
            return Mono.error(new Refused("iTop " + verb + ": HTTP " + status.value() + " (check "
                    + "gateway.ticket-desk.url)", false));
        }
        JsonNode answer;
        try {
            answer = json.readTree(body);
        }
        catch (JacksonException ex) {
            answer = null;
        }
        if (answer == null || !answer.isObject() || !answer.path("code").isIntegralNumber()) {
            String start = body.strip();
            return Mono.error(new Unavailable("iTop " + verb + " answered " + (start.startsWith("<")
                    ? "an HTML page (a login page in front of the API?" + (token != null ? " an expired token?" : "")
                            + ")" : "something that is not its API") + ": "
                    + StringUtils.truncate(start.replaceAll("\\s+", " "), 200)));
        }
        int code = answer.path("code").asInt();
        String message = answer.path("message").isString() ? answer.path("message").asString() : "";
        if (code == 0) {
            List<JsonNode> objects = new ArrayList<>();
            answer.path("objects").forEach(objects::add);
            return Mono.just(new Answer(message, objects));
        }
        String described = "iTop " + verb + " error " + code + ": " + message;
        if (UNAUTHORIZED.contains(code)) {
            return Mono.error(new Refused(described + " (" + checkTheAccount() + ")", true));
        }
        if (code == INTERNAL_ERROR) {
            return Mono.error(new Unavailable(described));
        }
        return Mono.error(new Refused(described, false));
    }

    /** What the administrator checks when iTop does not let the gateway in, by the way it logs in. */
    private String checkTheAccount() {
        return token != null ? "check the token in " + properties.tokenEnv() + ": expired or revoked, its scope "
                + "not REST/JSON, or token not in iTop's allowed_login_types"
                : "check the account in " + properties.userEnv() + "/" + properties.passwordEnv()
                        + " and its profile «REST Services User»";
    }

    private String describe(Throwable error) {
        if (causedBy(error, ReadTimeoutException.class) || causedBy(error, TimeoutException.class)) {
            return "no answer in time (timeout " + properties.timeout().toSeconds() + " s)";
        }
        if (error instanceof WebClientRequestException) {
            return "no connection (" + error.getMessage() + ")";
        }
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static String secret(Environment environment, String name, List<String> missing) {
        if (!StringUtils.hasText(name)) {
            missing.add("(no variable named)");
            return null;
        }
        String value = environment.getProperty(name);
        if (!StringUtils.hasText(value)) {
            missing.add(name);
            return null;
        }
        return value.strip();
    }

    static Duration backoff(int attempt) {
        return Duration.ofSeconds(Math.min(60, 1L << Math.min(attempt, 6)));
    }
}
