package ru.rosdistant.gateway;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.NewAgent;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** Creates agents and logs them in the way the console does. */
public final class Staff {

    public static final String PASSWORD = "correct-horse-battery";

    private static final AtomicInteger counter = new AtomicInteger();

    private Staff() {
    }

    public static Agent agent(AgentDirectory agents, String line, int maxDialogs, Role... roles) {
        EnumSet<Role> set = EnumSet.of(Role.AGENT);
        set.addAll(List.of(roles));
        String login = "t" + System.nanoTime() % 1_000_000_000L + "-" + counter.incrementAndGet();
        return agents.create(new NewAgent(login, "Агент " + login, PASSWORD, set, List.of(line), maxDialogs))
                .block(Duration.ofSeconds(30));
    }

    /** Logs in with the form the console posts and returns the session cookie ("SESSION=…"). */
    public static String login(int port, String login, String password) {
        String cookie = HttpClient.create()
                .headers(headers -> headers.set(HttpHeaderNames.CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .post()
                .uri("http://localhost:" + port + "/login")
                .send(ByteBufFlux.fromString(reactor.core.publisher.Mono.just(
                        "username=" + login + "&password=" + password)))
                .responseSingle((response, body) -> {
                    assertThat(response.status().code()).as("login of " + login).isEqualTo(200);
                    return reactor.core.publisher.Mono.justOrEmpty(
                            response.responseHeaders().get(HttpHeaderNames.SET_COOKIE));
                })
                .block(Duration.ofSeconds(30));
        assertThat(cookie).isNotNull();
        return cookie.split(";", 2)[0];
    }

    /** Logs the agent in, opens the console socket and waits for its welcome. */
    public static WsClient console(int port, Agent agent) {
        WsClient client = WsClient.agent(port, login(port, agent.login(), PASSWORD));
        client.awaitType("welcome");
        return client;
    }

    /** Same, and goes online. */
    public static WsClient online(int port, Agent agent) {
        WsClient client = console(port, agent);
        client.send("{\"type\":\"presence\",\"status\":\"ONLINE\"}");
        client.awaitType("presence");
        return client;
    }
}
