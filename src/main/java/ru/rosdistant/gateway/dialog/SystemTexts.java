package ru.rosdistant.gateway.dialog;

/** The Russian sentences stored with system events; clients may show their own text per event. */
final class SystemTexts {

    static final String WAITING = "Пожалуйста, подождите: скоро вам ответит специалист.";

    static final String CLOSED = "Диалог завершён. Спасибо за обращение!";

    private SystemTexts() {
    }

    static String assigned(String agentName) {
        return "Вам отвечает " + agentName + ".";
    }
}
