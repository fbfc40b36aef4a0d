package ru.rosdistant.gateway.console;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * {@code GET /api/labels?lang=ru|en} (logged in): the names people read for the codes the API gives (a card's
 * status {@code NEW} → «Новый», appeal types, kinds, channels, states), so that no screen shows a code. One
 * dictionary per language, by group; a code missing from a group is shown as it is.
 */
@Configuration(proxyBeanMethods = false)
class DisplayLabels {

    static final Map<String, Map<String, Map<String, String>>> LABELS = Map.of(
            "ru", labels(true),
            "en", labels(false));

    @Bean
    RouterFunction<ServerResponse> labelsRoute() {
        return route(GET("/api/labels"), request -> {
            String lang = request.queryParam("lang").orElse("ru");
            Map<String, Map<String, String>> labels = LABELS.get(lang);
            if (labels == null) {
                ProblemDetail problem = ProblemDetail.forStatus(400);
                problem.setDetail("lang: ru or en");
                return ServerResponse.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON).bodyValue(problem);
            }
            return ServerResponse.ok()
                    .cacheControl(CacheControl.maxAge(Duration.ofHours(1)).cachePrivate())
                    .bodyValue(labels);
        });
    }

    private static Map<String, Map<String, String>> labels(boolean ru) {
        Map<String, Map<String, String>> all = new LinkedHashMap<>();
        all.put("cardStatus", group(ru, "NEW", "Новый", "New"));
        all.put("cardKind", group(ru, "LEAD", "Лид", "Lead", "CONTACT", "Контакт", "Contact"));
        all.put("contactType", group(ru, "APPLICANT", "Абитуриент", "Applicant", "STUDENT", "Студент", "Student",
                "PARTNER", "Партнёр", "Partner"));
        all.put("appealType", group(ru, "CONSULTATION", "Консультация", "Consultation", "SERVICE_REQUEST",
                "Запрос на обслуживание", "Service request", "COMPLAINT", "Жалоба", "Complaint", "CHANGE_REQUEST",
                "Запрос на изменение", "Change request"));
        all.put("dialogState", group(ru, "WAITING", "Ожидает", "Waiting", "ASSIGNED", "В работе", "In progress",
                "CLOSED", "Закрыт", "Closed"));
        all.put("channel", group(ru, "WIDGET", "Виджет", "Widget", "TELEGRAM", "Telegram", "Telegram", "VIBER",
                "Viber", "Viber", "WHATSAPP", "WhatsApp", "WhatsApp", "VK", "ВКонтакте", "VK", "MAX", "MAX", "MAX",
                "EMAIL", "Эл. почта", "E-mail"));
        all.put("triage", group(ru, "SPAM", "Спам", "Spam", "PARTNER", "Партнёр", "Partner", "APPLICANT",
                "Абитуриент", "Applicant", "STUDENT", "Студент", "Student"));
        all.put("presence", group(ru, "ONLINE", "На линии", "Online", "AWAY", "Отошёл", "Away", "OFFLINE",
                "Не на линии", "Offline"));
        all.put("forwardState", group(ru, "ONLINE", "На линии", "Online", "AWAY", "Отошёл", "Away", "FULL",
                "Нет свободных мест", "Full"));
        all.put("dialogLeft", group(ru, "forwarded", "Передан", "Forwarded", "triaged", "Распределён",
                "Triaged", "taken_over", "Забран руководителем", "Taken over", "requeued",
                "Возвращён в очередь", "Back in the queue", "spam", "Закрыт как спам", "Closed as spam"));
        all.put("taskKind", group(ru, "REQUEST_RESULT", "Сообщить результат запроса", "Report the request's result",
                "COMPLAINT_ANSWER", "Сообщить ответ на жалобу", "Report the complaint's answer"));
        all.put("taskState", group(ru, "OPEN", "Открыта", "Open", "DONE", "Выполнена", "Done"));
        all.put("offlineFormState", group(ru, "NEW", "Новая", "New", "ANSWERED", "Отвечена", "Answered", "SPAM",
                "Спам", "Spam"));
        all.put("role", group(ru, "AGENT", "Оператор", "Agent", "DISPATCHER", "Диспетчер", "Dispatcher",
                "SUPERVISOR", "Руководитель", "Supervisor", "ADMIN", "Администратор", "Administrator"));
        return all;
    }

    /** code, Russian, English, code, Russian, English, … */
    private static Map<String, String> group(boolean ru, String... triples) {
        Map<String, String> group = new LinkedHashMap<>();
        for (int i = 0; i < triples.length; i += 3) {
            group.put(triples[i], ru ? triples[i + 1] : triples[i + 2]);
        }
        return group;
    }
}
