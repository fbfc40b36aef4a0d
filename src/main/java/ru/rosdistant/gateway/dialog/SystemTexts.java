package ru.rosdistant.gateway.dialog;

/** The Russian sentences stored with system events; clients may show their own text per event. */
final class SystemTexts {

    static final String WAITING = "Пожалуйста, подождите: скоро вам ответит специалист.";

    static final String CLOSED = "Диалог завершён. Спасибо за обращение!";

    static final String REQUEUED = "Специалист отключился. Мы передаём ваш диалог другому специалисту.";

    static final String OFFLINE_BUSY = "Все специалисты сейчас заняты. Вы можете подождать или оставить вопрос "
            + "в форме — мы ответим на почту или по телефону.";

    static final String OFFLINE_HOURS = "Сейчас нерабочее время. Оставьте вопрос в форме — мы ответим в рабочее время.";

    static final String FORWARDED_TO_LINE = "Мы передаём ваш вопрос профильному специалисту. Пожалуйста, подождите.";

    private SystemTexts() {
    }

    static String forwardedTo(String agentName) {
        return "Вас переключили на специалиста: " + agentName + ".";
    }

    static String assigned(String agentName) {
        return "Вам отвечает " + agentName + ".";
    }
}
