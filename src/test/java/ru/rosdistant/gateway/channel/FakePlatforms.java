package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.fail;

/**
 * Small fakes of the Telegram Bot API, the Viber REST bot API and the WhatsApp Cloud API on one local
 * port, started once per test JVM before the shared context (see {@link FakePlatformsEnvironment}), so
 * the test bots' base URLs can point at it. Tokens keep the test classes apart. Every request is recorded;
 * a token can be made to fail ("down") and later recover.
 */
public final class FakePlatforms {

    /** A request the gateway made. */
    public record Call(String method, String path, HttpHeaders headers, JsonNode body, AtomicInteger status,
            String uri) {

        /**
         * The HTTP status the fake answered (Viber: the status in its body, 0 for "ok"); -1 while it has not
         * answered yet, so that a call just recorded is not taken for one Viber accepted.
         */
        public int answered() {
            return status.get();
        }
    }

    private static final JsonMapper json = JsonMapper.builder().build();

    private static volatile FakePlatforms instance;

    private final DisposableServer server;

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    /** Per bot token, the updates not yet confirmed, by update_id (Telegram keeps an update until confirmed). */
    private final Map<String, ConcurrentSkipListMap<Long, String>> telegramUpdates = new ConcurrentHashMap<>();

    private final Set<String> down = ConcurrentHashMap.newKeySet();

    private final Set<String> blockedChats = ConcurrentHashMap.newKeySet();

    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    private final Map<String, Queue<Integer>> viberStatuses = new ConcurrentHashMap<>();

    private final Map<String, Queue<Integer>> vkErrors = new ConcurrentHashMap<>();

    private final Map<String, VkPoll> vkPolls = new ConcurrentHashMap<>();

    private final Map<String, Queue<Integer>> maxStatuses = new ConcurrentHashMap<>();

    /** Per token, every update queued; the i-th is handed out with the marker FIRST_MAX_MARKER + i + 1. */
    private final Map<String, List<String>> maxUpdates = new ConcurrentHashMap<>();

    private static final long FIRST_MAX_MARKER = 500;

    private final Map<String, java.util.concurrent.atomic.AtomicLong> maxMarkers = new ConcurrentHashMap<>();

    private final AtomicInteger ids = new AtomicInteger(1000);

    private FakePlatforms() {
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(this::handle)
                .bindNow(Duration.ofSeconds(10));
    }

    public static synchronized FakePlatforms get() {
        if (instance == null) {
            instance = new FakePlatforms();
        }
        return instance;
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    // ---- controls used by the tests

    public void queueTelegramUpdate(String token, String update) {
        long id = json.readTree(update).path("update_id").asLong();
        telegramUpdates.computeIfAbsent(token, key -> new ConcurrentSkipListMap<>()).put(id, update);
    }

    public void setDown(String token, boolean isDown) {
        if (isDown) {
            down.add(token);
        }
        else {
            down.remove(token);
        }
    }

    public boolean isDown(String token) {
        return down.contains(token);
    }

    public void block(String chat) {
        blockedChats.add(chat);
    }

    public void putFile(String id, byte[] content) {
        files.put(id, content);
    }

    public void queueViberStatus(String token, int status) {
        viberStatuses.computeIfAbsent(token, key -> new ConcurrentLinkedQueue<>()).add(status);
    }

    public List<Call> calls(Predicate<Call> match) {
        return calls.stream().filter(match).toList();
    }

    /** Waits until at least {@code count} recorded calls match, and returns them. */
    public List<Call> await(Predicate<Call> match, int count, String description) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            List<Call> found = calls(match);
            if (found.size() >= count) {
                return found;
            }
            try {
                Thread.sleep(50);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail("Timed out waiting for " + count + " × " + description + "; calls: " + calls);
    }

    // ---- the fake servers

    private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        return request.receive()
                .aggregate()
                .asByteArray()
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> route(request, response, body));
    }

    private Mono<Void> route(HttpServerRequest request, HttpServerResponse response, byte[] body) {
        String path = request.path().startsWith("/") ? request.path() : "/" + request.path();
        path = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        if (path.startsWith("/file/bot")) {
            String fileId = path.substring(path.lastIndexOf('/') + 1);
            byte[] content = files.get(fileId);
            return content == null ? status(response, 404, "{}")
                    : response.status(200).sendByteArray(Mono.just(content)).then();
        }
        if (path.startsWith("/media/")) {
            byte[] content = files.get(path.substring("/media/".length()));
            return content == null ? status(response, 404, "{}")
                    : response.status(200).sendByteArray(Mono.just(content)).then();
        }
        JsonNode parsed = parse(body);
        if (request.requestHeaders().get("Content-Type", "").startsWith("application/x-www-form-urlencoded")) {
            parsed = form(body);
        }
        Call call = new Call(request.method().name(), path, request.requestHeaders(), parsed, new AtomicInteger(-1),
                request.uri());
        calls.add(call);
        if (path.startsWith("/bot")) {
            return telegram(call, path, parsed, response);
        }
        if (path.startsWith("/pa/")) {
            return viber(call, path, request.requestHeaders().get("X-Viber-Auth-Token"), response);
        }
        if (path.startsWith("/v21.0/")) {
            return whatsapp(call, path, request.requestHeaders().get("Authorization"), parsed, response);
        }
        if (path.startsWith("/method/")) {
            return vk(call, path, parsed, response);
        }
        if (path.startsWith("/vk-lp/")) {
            return vkLongPoll(call, path.substring("/vk-lp/".length()), request.uri(), response);
        }
        if (path.startsWith("/max/")) {
            return max(call, path, request.requestHeaders().get("Authorization"), response);
        }
        return status(call, response, 404, "{}");
    }

    private Mono<Void> telegram(Call call, String path, JsonNode body, HttpServerResponse response) {
        String rest = path.substring("/bot".length());
        String token = rest.substring(0, rest.indexOf('/'));
        // the library writes method names in lower case; Telegram does not mind the case
        String method = rest.substring(rest.indexOf('/') + 1).toLowerCase(java.util.Locale.ROOT);
        switch (method) {
            case "getupdates" -> {
                // as Telegram: an update is returned again and again until a getUpdates with an offset above its
                // update_id confirms it (the gateway fetches a batch again when storing it failed)
                ConcurrentSkipListMap<Long, String> pending = telegramUpdates.computeIfAbsent(token,
                        key -> new ConcurrentSkipListMap<>());
                pending.headMap(body.path("offset").asLong(0)).clear();
                String result = String.join(",", pending.values());
                String answer = "{\"ok\":true,\"result\":[" + result + "]}";
                return result.isEmpty() ? Mono.delay(Duration.ofMillis(300)).then(status(call, response, 200, answer))
                        : status(call, response, 200, answer);
            }
            case "sendmessage" -> {
                if (down.contains(token)) {
                    return status(call, response, 502, "{\"ok\":false,\"error_code\":502,\"description\":\"Bad Gateway\"}");
                }
                String chat = body.path("chat_id").asString();
                if (blockedChats.contains(chat)) {
                    return status(call, response, 403, "{\"ok\":false,\"error_code\":403,"
                            + "\"description\":\"Forbidden: bot was blocked by the user\"}");
                }
                return status(call, response, 200, "{\"ok\":true,\"result\":{\"message_id\":" + ids.incrementAndGet()
                        + ",\"date\":1700000000,\"chat\":{\"id\":" + chat + ",\"type\":\"private\"},\"text\":\"ok\"}}");
            }
            case "setwebhook" -> {
                return status(call, response, 200, "{\"ok\":true,\"result\":true}");
            }
            case "getfile" -> {
                String fileId = body.path("file_id").asString();
                return status(call, response, 200, "{\"ok\":true,\"result\":{\"file_id\":\"" + fileId
                        + "\",\"file_unique_id\":\"u" + fileId + "\",\"file_path\":\"documents/" + fileId + "\"}}");
            }
            default -> {
                return status(call, response, 200, "{\"ok\":true,\"result\":true}");
            }
        }
    }

    private Mono<Void> viber(Call call, String path, String token, HttpServerResponse response) {
        if (token != null && down.contains(token)) {
            return status(call, response, 502, "{}");
        }
        if (path.equals("/pa/send_message")) {
            Integer status = token == null ? null
                    : viberStatuses.getOrDefault(token, new ConcurrentLinkedQueue<>()).poll();
            int code = status == null ? 0 : status;
            // for Viber the call records the status in the body (HTTP is always 200)
            call.status().set(code);
            return status(null, response, 200, "{\"status\":" + code + ",\"status_message\":\"" + (code == 0 ? "ok" : "error")
                    + "\",\"message_token\":" + ids.incrementAndGet() + "}");
        }
        return status(call, response, 200, "{\"status\":0,\"status_message\":\"ok\"}");
    }

    private Mono<Void> whatsapp(Call call, String path, String authorization, JsonNode body, HttpServerResponse response) {
        String token = authorization == null ? "" : authorization.replaceFirst("^Bearer ", "");
        if (down.contains(token)) {
            return status(call, response, 503, "{\"error\":{\"message\":\"down\",\"code\":2}}");
        }
        if (path.endsWith("/messages")) {
            return status(call, response, 200, "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\""
                    + body.path("to").asString() + "\"}],\"messages\":[{\"id\":\"wamid.out" + ids.incrementAndGet()
                    + "\"}]}");
        }
        String mediaId = path.substring(path.lastIndexOf('/') + 1);
        byte[] content = files.get(mediaId);
        if (content == null) {
            return status(call, response, 404, "{\"error\":{\"message\":\"no media\",\"code\":100}}");
        }
        return status(call, response, 200, "{\"url\":\"" + url() + "/media/" + mediaId + "\",\"mime_type\":\"image/jpeg\","
                + "\"file_size\":" + content.length + ",\"id\":\"" + mediaId + "\"}");
    }

    // ---- VK: the API methods (form posts answered with "response" or "error") and the Bots Long Poll server

    /** The next send of this text with this token gets VK's error {@code code} (in an HTTP 200 body). */
    public void queueVkError(String token, String text, int code) {
        vkErrors.computeIfAbsent(token + "\n" + text, key -> new ConcurrentLinkedQueue<>()).add(code);
    }

    public void queueVkEvent(String token, String event) {
        VkPoll poll = vkPoll(token);
        synchronized (poll) {
            poll.events.add(event);
        }
    }

    /** The long-poll key in use expires: the next check answers failed 2 until a new key is fetched. */
    public void expireVkKey(String token) {
        VkPoll poll = vkPoll(token);
        synchronized (poll) {
            poll.key = "k" + ids.incrementAndGet();
        }
    }

    /** The ts the long-poll server handed out last for this token. */
    public long vkTs(String token) {
        return vkPoll(token).ts;
    }

    private VkPoll vkPoll(String token) {
        return vkPolls.computeIfAbsent(token, key -> new VkPoll());
    }

    private static final class VkPoll {

        /** Every event queued; the i-th has the number FIRST_TS + i. */
        final List<String> events = new java.util.ArrayList<>();

        volatile String key = "k0";

        static final long FIRST_TS = 100;

        volatile long ts = FIRST_TS;

        final AtomicInteger failures = new AtomicInteger();
    }

    /** The next check of this token's long-poll server answers 500 (the poller's own error path). */
    public void failVkCheck(String token) {
        vkPoll(token).failures.incrementAndGet();
    }

    private Mono<Void> vk(Call call, String path, JsonNode form, HttpServerResponse response) {
        String token = form.path("access_token").asString("");
        if (down.contains(token)) {
            return status(call, response, 502, "{}");
        }
        String method = path.substring("/method/".length());
        if (method.equals("groups.getLongPollServer")) {
            VkPoll poll = vkPoll(token);
            return status(call, response, 200, "{\"response\":{\"key\":\"" + poll.key + "\",\"server\":\"" + url()
                    + "/vk-lp/" + token + "\",\"ts\":\"" + poll.ts + "\"}}");
        }
        if (method.equals("messages.send")) {
            Integer error = vkErrors.getOrDefault(token + "\n" + form.path("message").asString(""),
                    new ConcurrentLinkedQueue<>()).poll();
            if (error != null) {
                // VK answers errors with HTTP 200; the call records the error code as its status
                call.status().set(error);
                return status(null, response, 200, "{\"error\":{\"error_code\":" + error + ",\"error_msg\":\"error "
                        + error + "\",\"request_params\":[{\"key\":\"method\",\"value\":\"messages.send\"}]}}");
            }
            return status(call, response, 200, "{\"response\":" + ids.incrementAndGet() + "}");
        }
        return status(call, response, 200, "{\"error\":{\"error_code\":3,\"error_msg\":\"Unknown method passed\"}}");
    }

    private Mono<Void> vkLongPoll(Call call, String token, String uri, HttpServerResponse response) {
        Map<String, String> query = query(uri);
        VkPoll poll = vkPoll(token);
        if (poll.failures.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
            return status(call, response, 500, "{}");
        }
        synchronized (poll) {
            if (!poll.key.equals(query.get("key"))) {
                return status(call, response, 200, "{\"failed\":2}");
            }
            long asked = Long.parseLong(query.getOrDefault("ts", "0"));
            if (asked > poll.ts) {
                return status(call, response, 200, "{\"failed\":1,\"ts\":\"" + poll.ts + "\"}");
            }
            // as VK's server: the events from the asked number on, so that a check repeated with the same ts (the
            // gateway's, after it failed to store a batch) gets them again
            String updates = String.join(",",
                    poll.events.subList((int) Math.max(0, asked - VkPoll.FIRST_TS), poll.events.size()));
            poll.ts = VkPoll.FIRST_TS + poll.events.size();
            String answer = "{\"ts\":\"" + poll.ts + "\",\"updates\":[" + updates + "]}";
            return updates.isEmpty() ? Mono.delay(Duration.ofMillis(300)).then(status(call, response, 200, answer))
                    : status(call, response, 200, answer);
        }
    }

    // ---- MAX: the Bot API (JSON with the token in Authorization; errors as HTTP codes with code and message)

    /** The next send of this text with this token is answered with this HTTP status and MAX's error body. */
    public void queueMaxStatus(String token, String text, int status) {
        maxStatuses.computeIfAbsent(token + "\n" + text, key -> new ConcurrentLinkedQueue<>()).add(status);
    }

    public void queueMaxUpdate(String token, String update) {
        List<String> updates = maxUpdates.computeIfAbsent(token, key -> new java.util.ArrayList<>());
        synchronized (updates) {
            updates.add(update);
        }
    }

    /** The marker this token's /updates handed out last. */
    public long maxMarker(String token) {
        return maxMarkers.computeIfAbsent(token, key -> new java.util.concurrent.atomic.AtomicLong(500)).get();
    }

    private Mono<Void> max(Call call, String path, String token, HttpServerResponse response) {
        if (token != null && down.contains(token)) {
            return status(call, response, 503, "{\"code\":\"service.unavailable\",\"message\":\"down\"}");
        }
        if (path.equals("/max/updates") && token != null) {
            java.util.concurrent.atomic.AtomicLong marker = maxMarkers.computeIfAbsent(token,
                    key -> new java.util.concurrent.atomic.AtomicLong(500));
            // as MAX: the updates after the asked marker (none asked: after the last one handed out), so that a poll
            // repeated with the same marker (the gateway's, after it failed to store a batch) gets them again
            List<String> queued = maxUpdates.computeIfAbsent(token, key -> new java.util.ArrayList<>());
            String asked = query(call.uri()).get("marker");
            String updates;
            synchronized (queued) {
                long from = asked != null ? Long.parseLong(asked) : marker.get();
                updates = String.join(",", queued.subList((int) Math.min(queued.size(),
                        Math.max(0, from - FIRST_MAX_MARKER)), queued.size()));
                marker.set(FIRST_MAX_MARKER + queued.size());
            }
            String answer = "{\"updates\":[" + updates + "],\"marker\":" + marker.get() + "}";
            return updates.isEmpty() ? Mono.delay(Duration.ofMillis(300)).then(status(call, response, 200, answer))
                    : status(call, response, 200, answer);
        }
        if (path.equals("/max/messages")) {
            Integer queued = token == null ? null : maxStatuses.getOrDefault(token + "\n"
                    + call.body().path("text").asString(""), new ConcurrentLinkedQueue<>()).poll();
            int code = queued == null ? 200 : queued;
            return switch (code) {
                case 200 -> status(call, response, 200, "{\"message\":{\"recipient\":{\"user_id\":"
                        + query(call.uri()).get("user_id") + ",\"chat_type\":\"dialog\"},\"timestamp\":1700000000000,"
                        + "\"body\":{\"mid\":\"mid." + ids.incrementAndGet() + "\",\"seq\":1,\"text\":\"ok\"}}}");
                case 401 -> status(call, response, 401, "{\"code\":\"verify.token\",\"message\":\"Invalid access_token\"}");
                case 403 -> status(call, response, 403, "{\"code\":\"chat.denied\",\"message\":\"dialog.suspended\"}");
                case 429 -> status(call, response, 429, "{\"code\":\"too.many.requests\",\"message\":\"Rate limit\"}");
                default -> status(call, response, code, "{\"code\":\"internal\",\"message\":\"error\"}");
            };
        }
        return status(call, response, 200, "{\"success\":true}");
    }

    public static Map<String, String> query(String uri) {
        Map<String, String> params = new java.util.HashMap<>();
        int start = uri.indexOf('?');
        if (start < 0) {
            return params;
        }
        for (String pair : uri.substring(start + 1).split("&")) {
            int eq = pair.indexOf('=');
            params.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return params;
    }

    private static String decode(String text) {
        return java.net.URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static JsonNode form(byte[] body) {
        tools.jackson.databind.node.ObjectNode node = json.createObjectNode();
        query("?" + new String(body, StandardCharsets.UTF_8)).forEach(node::put);
        return node;
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(body);
        }
        catch (RuntimeException ex) {
            // form-encoded or multipart (setWebhook): keep it as text
            return json.getNodeFactory().stringNode(new String(body, StandardCharsets.UTF_8));
        }
    }

    private static Mono<Void> status(HttpServerResponse response, int code, String body) {
        return status(null, response, code, body);
    }

    private static Mono<Void> status(Call call, HttpServerResponse response, int code, String body) {
        if (call != null) {
            call.status().set(code);
        }
        return response.status(HttpResponseStatus.valueOf(code))
                .header("Content-Type", "application/json")
                .sendString(Mono.just(body))
                .then();
    }
}
