package ru.rosdistant.gateway.offline;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.mail.TestSmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.offline.FormClient.form;
import static ru.rosdistant.gateway.offline.FormClient.with;

@GatewayTest
class OfflineFormTests {

    private static final String APPLICANT_PAGE = "https://lk.rosdistant.ru";

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    JavaMailSender mail;

    FormClient visitor;

    @BeforeEach
    void visitor() {
        TestSmtp.start(mail);
        visitor = new FormClient(port);
    }

    @Test
    void storedFormIsAcknowledgedWithItsCard() {
        JsonNode receipt = submitted(form("Иван Петров"));
        UUID id = UUID.fromString(receipt.path("id").asString());
        assertThat(receipt.path("state").asString()).isEqualTo("NEW");
        Map<String, Object> row = db.sql("SELECT card_id, site_id, consent_at FROM offline_form WHERE id = :id")
                .bind("id", id)
                .fetch()
                .one()
                .block(Duration.ofSeconds(10));
        assertThat(row).containsEntry("card_id", UUID.fromString(receipt.path("cardId").asString()))
                .containsEntry("site_id", "applicant");
        assertThat(row.get("consent_at")).isNotNull();
        assertThat(count("SELECT count(*) AS n FROM outbox WHERE dedup_key = 'offline-form:" + id + "'")).isOne();
    }

    @Test
    void formWithoutConsentIsRefusedOnThatField() {
        assertThat(errors(with(form("Без согласия"), "consent", false))).containsOnlyKeys("consent");
        assertThat(errors(with(form("Без согласия"), "consent", null))).containsOnlyKeys("consent");
    }

    @Test
    void formWithoutEmailAndPhoneIsRefusedOnBothFields() {
        Map<String, Object> noContact = with(with(form("Без контактов"), "email", null), "phone", " ");
        assertThat(errors(noContact)).containsOnlyKeys("email", "phone");
    }

    @Test
    void badPhoneAndBadEmailAreFieldErrors() {
        Map<String, Object> bad = with(with(form("Ошибка в контактах"), "email", "ivan@@example"), "phone", "12-34");
        assertThat(errors(bad)).containsOnlyKeys("email", "phone")
                .containsEntry("phone", "Неверный номер телефона");
        assertThat(errors(with(form("Без домена"), "email", "ivan@localhost"))).containsOnlyKeys("email");
    }

    @Test
    void missingAndOverlongFieldsAreFieldErrors() {
        Map<String, Object> bad = with(with(with(form(""), "question", "x".repeat(4001)), "site", "nowhere"),
                "dialogId", "not-a-uuid");
        assertThat(errors(bad)).containsOnlyKeys("name", "question", "site");
        assertThat(errors(with(form("N".repeat(201)), "question", " "))).containsOnlyKeys("name", "question");
    }

    @Test
    void phoneIsStoredInE164() {
        String email = "e164-" + System.nanoTime() + "@example.com";
        JsonNode receipt = submitted(with(with(form("Пётр Телефонов"), "phone", "8 (927) 123-45-67"), "email",
                email));
        assertThat(db.sql("SELECT phone FROM offline_form WHERE id = :id")
                .bind("id", UUID.fromString(receipt.path("id").asString()))
                .map(row -> row.get("phone", String.class))
                .one()
                .block(Duration.ofSeconds(10))).isEqualTo("+79271234567");
        assertThat(db.sql("SELECT phones FROM card WHERE id = :id")
                .bind("id", UUID.fromString(receipt.path("cardId").asString()))
                .map(row -> row.get("phones", String[].class))
                .one()
                .block(Duration.ofSeconds(10))).containsExactly("+79271234567");
    }

    @Test
    void aTypedEmailNeverAttachesTheFormToAnExistingCardButFlagsAPossibleMatch() {
        String email = "repeat-" + System.nanoTime() + "@example.com";
        String first = submitted(with(with(form("Анна Повторная"), "email", email), "phone", null)).path("cardId")
                .asString();
        String second = submitted(with(with(form("Анна Повторная"), "email", email.toUpperCase()), "phone", null))
                .path("cardId").asString();
        String other = submitted(with(form("Анна Другая"), "phone", null)).path("cardId").asString();
        assertThat(second).as("anyone can type an address: a new lead").isNotEqualTo(first);
        assertThat(possibleMatches(second)).as("matched by e-mail, case-insensitively").isEqualTo(first);
        assertThat(possibleMatches(other)).as("nobody shares its contacts").isEmpty();
        assertThat(db.sql("SELECT kind FROM card WHERE id = :id")
                .bind("id", UUID.fromString(other))
                .map(row -> row.get("kind", String.class))
                .one()
                .block(Duration.ofSeconds(10))).isEqualTo("LEAD");
    }

    @Test
    void aTypedPhoneNeverAttachesTheFormToAnExistingCardButFlagsAPossibleMatch() {
        String phone = FormClient.uniquePhone();
        String first = submitted(with(form("Олег Звонков"), "phone", phone)).path("cardId").asString();
        String second = submitted(with(with(form("Олег Звонков"), "email", null), "phone", phone)).path("cardId")
                .asString();
        assertThat(second).isNotEqualTo(first);
        assertThat(possibleMatches(second)).isEqualTo(first);
    }

    private String possibleMatches(String cardId) {
        return db.sql("SELECT array_to_string(possible_matches, ',') AS v FROM card WHERE id = :id")
                .bind("id", UUID.fromString(cardId))
                .map(row -> row.get("v", String.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    @Test
    void formFromAForeignPageIsRefused() {
        visitor.post(form("Чужой"), "https://evil.example")
                .expectStatus()
                .isForbidden()
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
        // a page of the student site may not post the applicant site's form
        visitor.post(form("Соседний сайт"), "https://edu.rosdistant.ru").expectStatus().isForbidden();
        visitor.post(form("Из песочницы"), "null").expectStatus().isForbidden();
    }

    @Test
    void formFromTheGatewaysOwnPageOrAServerIsAccepted() {
        visitor.post(form("Демо-страница"), "http://127.0.0.1:" + port).expectStatus().isCreated();
        visitor.post(form("Сервер сайта"), null).expectStatus().isCreated();
    }

    @Test
    void clientAddressIsRateLimited() {
        int created = 0;
        EntityExchangeResult<JsonNode> limited = null;
        for (int i = 0; i < 30 && limited == null; i++) {
            EntityExchangeResult<JsonNode> result = visitor.post(form("Частый гость " + i), APPLICANT_PAGE)
                    .expectBody(JsonNode.class)
                    .returnResult();
            if (result.getStatus().value() == 429) {
                limited = result;
            }
            else {
                assertThat(result.getStatus().value()).isEqualTo(201);
                created++;
            }
        }
        assertThat(created).as("the burst goes through").isGreaterThanOrEqualTo(10);
        assertThat(limited).as("then the limit holds").isNotNull();
        assertThat(limited.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
        assertThat(limited.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(limited.getResponseBody().path("status").asInt()).isEqualTo(429);
        new FormClient(port).post(form("Другой адрес"), APPLICANT_PAGE).expectStatus().isCreated();
    }

    @Test
    void retriedFormIsStoredOnce() {
        Map<String, Object> form = with(form("Повторная отправка"), "clientFormId", "retry-" + UUID.randomUUID());
        JsonNode first = submitted(form);
        JsonNode second = submitted(form);
        assertThat(second.path("id").asString()).isEqualTo(first.path("id").asString());
        assertThat(count("SELECT count(*) AS n FROM offline_form WHERE client_form_id = '" + form.get("clientFormId")
                + "'")).isOne();
        assertThat(count("SELECT count(*) AS n FROM outbox WHERE dedup_key = 'offline-form:"
                + first.path("id").asString() + "'")).isOne();
    }

    @Test
    void unreadableBodyIsAProblem() {
        visitor.client()
                .post()
                .uri("/api/offline-forms")
                .header(HttpHeaders.ORIGIN, APPLICANT_PAGE)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"site\": \"applicant\", \"consent\": ")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void preflightIsAnsweredForPagesOfTheSitesOnly() {
        visitor.client()
                .options()
                .uri("/api/offline-forms")
                .header(HttpHeaders.ORIGIN, APPLICANT_PAGE)
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, HttpMethod.POST.name())
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, HttpHeaders.CONTENT_TYPE)
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, APPLICANT_PAGE);
        visitor.client()
                .options()
                .uri("/api/offline-forms")
                .header(HttpHeaders.ORIGIN, "https://evil.example")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, HttpMethod.POST.name())
                .exchange()
                .expectHeader()
                .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
        visitor.post(form("Кросс-доменный"), APPLICANT_PAGE)
                .expectStatus()
                .isCreated()
                .expectHeader()
                .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, APPLICANT_PAGE);
    }

    private JsonNode submitted(Map<String, Object> form) {
        return visitor.post(form, APPLICANT_PAGE)
                .expectStatus()
                .isCreated()
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody();
    }

    private Map<String, String> errors(Map<String, Object> form) {
        JsonNode problem = visitor.post(form, APPLICANT_PAGE)
                .expectStatus()
                .isBadRequest()
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody();
        assertThat(problem.path("status").asInt()).isEqualTo(400);
        Map<String, String> errors = new java.util.TreeMap<>();
        problem.path("errors").properties().forEach(field -> errors.put(field.getKey(), field.getValue().asString()));
        return errors;
    }

    private long count(String sql) {
        return db.sql(sql)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
    }
}
