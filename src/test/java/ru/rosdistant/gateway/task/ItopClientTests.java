package ru.rosdistant.gateway.task;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.mock.env.MockEnvironment;
import ru.rosdistant.gateway.Checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The door to iTop itself, against {@link FakeItop}, without the rest of the gateway: how the gateway logs in (an
 * account, or an application token in the {@code Auth-Token} header), what it does with a desk that refuses, is down,
 * is slow or answers too much, and the guards on the numbers agents type. The settings are bound as the process binds
 * them, from {@code application.yml}.
 */
class ItopClientTests {

    private static final String TOKEN = "tok-lab580-0123456789ABCDEF";

    private final FakeItop itop = new FakeItop();

    private final JsonMapper json = JsonMapper.builder().build();

    @AfterEach
    void stop() {
        itop.stop();
    }

    @Test
    void theSettingsTheProcessRunsWithBoundTimeoutsAndLimits() throws IOException {
        TicketDeskProperties running = properties(Map.of());
        assertThat(running.timeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(running.checksPerMinute()).isEqualTo(60);
        assertThat(running.checkPause()).isEqualTo(Duration.ofSeconds(30));
        assertThat(running.pollInterval()).isEqualTo(Duration.ofMinutes(12));
        assertThat(running.pollBatch()).isEqualTo(50);
        assertThat(ItopClient.MAX_ANSWER_BYTES).isEqualTo(4 * 1024 * 1024);
        // two calls of a registration, each up to timeout + 5 s, within the outbox's delivery-timeout
        assertThatThrownBy(() -> properties(Map.of("gateway.ticket-desk.timeout", "30s")))
                .isInstanceOf(BindException.class)
                .hasRootCauseMessage("gateway.ticket-desk.timeout must be 1 s to 25 s");
        assertThatThrownBy(() -> properties(Map.of("gateway.ticket-desk.checks-per-minute", "0")))
                .isInstanceOf(BindException.class);
    }

    @Test
    void aTokenOnlyDeskGetsTheTokenInTheAuthTokenHeaderAndNeverALoginOrPassword() throws IOException {
        itop.acceptOnlyToken(TOKEN);
        long known = itop.add("R-000580", "assigned");
        ItopClient client = client(Map.of("gateway.ticket-desk.token-env", "ITOP_TOKEN_LAB580"),
                Map.of("ITOP_TOKEN_LAB580", TOKEN));
        StepVerifier.create(new ItopTicketDesk(client, properties(Map.of())).checkRequestNumber("R-000580"))
                .expectNext(new TicketDesk.Request("R-000580", known))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        StepVerifier.create(client.call(client.operation("list_operations")))
                .expectNextMatches(answer -> answer.message().equals("Operations: 2"))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(itop.calls()).hasSize(2).allSatisfy(call -> {
            assertThat(call.token()).isEqualTo(TOKEN);
            assertThat(call.formFields()).containsExactly("json_data");
        });

        // the same desk does not let an account in by login and password
        ItopClient byPassword = client(Map.of("gateway.ticket-desk.user-env", "U", "gateway.ticket-desk.password-env",
                "P"), Map.of("U", FakeItop.USER, "P", FakeItop.PASSWORD));
        StepVerifier.create(byPassword.call(byPassword.operation("list_operations")))
                .expectErrorMatches(error -> error instanceof ItopClient.Refused refused && refused.unauthorized()
                        && error.getMessage().contains("check the account in U/P"))
                .verify(Duration.ofSeconds(10));
        assertThat(itop.lastToken()).isNull();
    }

    @Test
    void aWrongTokenIsRefusedForGoodOnceWithAMessageNamingTheTokenAndNoRetries() throws IOException {
        itop.acceptOnlyToken(TOKEN);
        itop.add("R-000581", "assigned");
        Map<String, String> settings = Map.of("gateway.ticket-desk.token-env", "ITOP_TOKEN_LAB581",
                "gateway.ticket-desk.check-pause", "1m");
        ItopClient client = client(settings, Map.of("ITOP_TOKEN_LAB581", "revoked-token"));
        ItopTicketDesk desk = new ItopTicketDesk(client, properties(settings));
        StepVerifier.create(desk.checkRequestNumber("R-000581"))
                .expectErrorMatches(error -> error instanceof ItopClient.Refused refused && refused.unauthorized()
                        && error.getMessage().contains("error 1: Error: Invalid login")
                        && error.getMessage().contains("check the token in ITOP_TOKEN_LAB581")
                        && error.getMessage().contains("allowed_login_types"))
                .verify(Duration.ofSeconds(10));
        assertThat(itop.requests()).as("refused is not retried").isEqualTo(1);
        assertThat(itop.lastToken()).isEqualTo("revoked-token");

        // agents closing dialogs meanwhile do not knock again: their numbers are kept unchecked, at once
        for (String number : List.of("R-000581", "R-000582", "R-000583")) {
            StepVerifier.create(desk.checkRequestNumber(number))
                    .expectErrorMatches(error -> error instanceof TicketDeskUnavailable
                            && error.getMessage().contains("kept unchecked"))
                    .verify(Duration.ofSeconds(2));
        }
        assertThat(itop.requests()).isEqualTo(1);
    }

    @Test
    void aDeskThatIsDownIsAskedOnceAndAgainOnlyAfterThePause() throws IOException {
        long known = itop.add("R-000584", "assigned");
        Map<String, String> settings = Map.of("gateway.ticket-desk.check-pause", "1s");
        ItopTicketDesk desk = new ItopTicketDesk(client(settings, Map.of()), properties(settings));
        itop.down();
        StepVerifier.create(desk.checkRequestNumber("R-000584"))
                .expectErrorMatches(error -> error instanceof ItopClient.Unavailable
                        && error.getMessage().contains("HTTP 503"))
                .verify(Duration.ofSeconds(10));
        StepVerifier.create(desk.checkRequestNumber("R-000584"))
                .expectErrorMatches(error -> error.getMessage().contains("kept unchecked"))
                .verify(Duration.ofSeconds(2));
        assertThat(itop.requests()).isEqualTo(1);

        itop.up();
        TicketDesk.Request found = Checks.eventually(() -> desk.checkRequestNumber("R-000584")
                .onErrorResume(TicketDeskUnavailable.class, unavailable -> reactor.core.publisher.Mono.empty())
                .block(Duration.ofSeconds(10)), "the desk asked again after the pause");
        assertThat(found).isEqualTo(new TicketDesk.Request("R-000584", known));
    }

    @Test
    void numbersOfTheWrongFormOrLengthAreRefusedBeforeAnyCall() throws IOException {
        ItopTicketDesk desk = new ItopTicketDesk(client(Map.of(), Map.of()), properties(Map.of()));
        String longest = "R" + "-1".repeat(31) + "5";
        assertThat(longest).hasSize(64);
        StepVerifier.create(desk.checkRequestNumber(longest))
                .expectError(IllegalArgumentException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(itop.calls("core/get")).as("64 characters are asked about").hasSize(1);
        for (String wrong : List.of(longest + "6", "", "   ", "-R-1", "R 1", "R\n-1", "R-1\u0000", "R-1%27", "'")) {
            StepVerifier.create(desk.checkRequestNumber(wrong))
                    .expectErrorMatches(error -> error instanceof IllegalArgumentException
                            && error.getMessage().contains("is not a request number"))
                    .verify(Duration.ofSeconds(2));
        }
        StepVerifier.create(desk.checkRequestNumber(null))
                .expectError(IllegalArgumentException.class)
                .verify(Duration.ofSeconds(2));
        assertThat(itop.requests()).isEqualTo(1);
    }

    @Test
    void reTypedNumbersAreAnsweredFromMemoryAndTheNodeAsksAtMostItsChecksPerMinute() throws IOException {
        long known = itop.add("R-000585", "assigned");
        Map<String, String> settings = Map.of("gateway.ticket-desk.checks-per-minute", "1");
        ItopTicketDesk desk = new ItopTicketDesk(client(settings, Map.of()), properties(settings));
        for (int i = 0; i < 10; i++) {
            StepVerifier.create(desk.checkRequestNumber(" R-000585 "))
                    .expectNext(new TicketDesk.Request("R-000585", known))
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
            StepVerifier.create(desk.checkRequestNumber("R-404585"))
                    .expectErrorMatches(error -> error instanceof IllegalArgumentException
                            && error.getMessage().contains("No request R-404585"))
                    .verify(Duration.ofSeconds(10));
        }
        assertThat(itop.calls("core/get")).as("each number asked once").hasSize(2);

        // a burst of five (1 a minute, bursts of at least 5), then numbers are kept unchecked without asking
        int asked = 0;
        int unchecked = 0;
        for (int i = 0; i < 8; i++) {
            Throwable error = desk.checkRequestNumber("R-58600" + i)
                    .map(request -> (Throwable) null)
                    .onErrorResume(failure -> reactor.core.publisher.Mono.just(failure))
                    .block(Duration.ofSeconds(10));
            if (error instanceof IllegalArgumentException) {
                asked++;
            }
            else if (error instanceof TicketDeskUnavailable && error.getMessage().contains("checks-per-minute")) {
                unchecked++;
            }
        }
        assertThat(asked).isEqualTo(3);
        assertThat(unchecked).isEqualTo(5);
        assertThat(itop.calls("core/get")).hasSize(5);
    }

    @Test
    void aDeskThatStartsToAnswerTooLateIsUnavailableAtTheTimeout() throws IOException {
        itop.delay(Duration.ofSeconds(4));
        ItopClient client = client(Map.of("gateway.ticket-desk.timeout", "1s"), Map.of());
        StepVerifier.create(client.call(client.operation("list_operations")))
                .expectErrorMatches(error -> error instanceof ItopClient.Unavailable
                        && error.getMessage().contains("no answer in time (timeout 1 s)"))
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aDeskThatDripsItsAnswerIsCutOffFiveSecondsAfterTheTimeout() throws IOException {
        itop.drip(true);
        ItopClient client = client(Map.of("gateway.ticket-desk.timeout", "1s"), Map.of());
        StepVerifier.create(client.call(client.operation("list_operations")))
                .expectErrorMatches(error -> error instanceof ItopClient.Unavailable
                        && error.getMessage().contains("no answer in time"))
                .verify(Duration.ofSeconds(20));
    }

    @Test
    void anAnswerOverFourMegabytesIsTooLargeNotAnOutOfMemory() throws IOException {
        itop.add("R-000587", "assigned");
        ItopClient client = client(Map.of(), Map.of());
        itop.pad(ItopClient.MAX_ANSWER_BYTES - 10_000);
        StepVerifier.create(ItopTicketDesk.lookup(client, "R-000587"))
                .expectNextMatches(request -> request.number().equals("R-000587"))
                .expectComplete()
                .verify(Duration.ofSeconds(20));
        itop.pad(ItopClient.MAX_ANSWER_BYTES + 1);
        StepVerifier.create(ItopTicketDesk.lookup(client, "R-000587"))
                .expectErrorMatches(error -> error instanceof ItopClient.TooLarge
                        && error.getMessage().contains("an answer over 4194304 bytes"))
                .verify(Duration.ofSeconds(20));
    }

    /** A client of the desk with the settings as the process binds them, and these secrets in its environment. */
    private ItopClient client(Map<String, String> settings, Map<String, String> secrets) throws IOException {
        MockEnvironment environment = new MockEnvironment();
        environment.withProperty("ITOP_USER_LAB580", FakeItop.USER).withProperty("ITOP_PASSWORD_LAB580",
                FakeItop.PASSWORD);
        secrets.forEach(environment::withProperty);
        return new ItopClient(properties(settings), environment, json);
    }

    /** {@code gateway.ticket-desk} bound from application.yml, this desk's url and account, and the settings. */
    private TicketDeskProperties properties(Map<String, String> settings) throws IOException {
        Map<String, Object> own = new HashMap<>();
        own.put("gateway.ticket-desk.url", itop.url());
        if (!settings.containsKey("gateway.ticket-desk.token-env")) {
            own.put("gateway.ticket-desk.user-env", "ITOP_USER_LAB580");
            own.put("gateway.ticket-desk.password-env", "ITOP_PASSWORD_LAB580");
        }
        own.putAll(settings);
        MutablePropertySources sources = new MutablePropertySources();
        sources.addFirst(new org.springframework.core.env.MapPropertySource("test", own));
        for (PropertySource<?> yaml : new YamlPropertySourceLoader().load("application.yml",
                new ClassPathResource("application.yml"))) {
            sources.addLast(yaml);
        }
        return new Binder(ConfigurationPropertySources.from(sources))
                .bind("gateway.ticket-desk", TicketDeskProperties.class)
                .get();
    }
}
