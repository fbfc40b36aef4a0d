package ru.rosdistant.gateway.channel;

/** Telegram updates as the Bot API sends them, for the tests. */
final class TelegramUpdatesJson {

    private TelegramUpdatesJson() {
    }

    static String text(long updateId, long chat, String text) {
        return message(updateId, chat, "\"text\":\"" + text + "\"");
    }

    static String contact(long updateId, long chat, long contactUser, String phone) {
        return message(updateId, chat, "\"contact\":{\"phone_number\":\"" + phone + "\",\"first_name\":\"Иван\","
                + "\"user_id\":" + contactUser + "}");
    }

    static String document(long updateId, long chat, String fileId, String name, long size) {
        return message(updateId, chat, "\"document\":{\"file_id\":\"" + fileId + "\",\"file_unique_id\":\"u" + fileId
                + "\",\"file_name\":\"" + name + "\",\"mime_type\":\"application/pdf\",\"file_size\":" + size + "}");
    }

    static String message(long updateId, long chat, String content) {
        return "{\"update_id\":" + updateId + ",\"message\":{\"message_id\":" + updateId + ",\"date\":1700000000,"
                + "\"chat\":{\"id\":" + chat + ",\"type\":\"private\",\"first_name\":\"Иван\"},"
                + "\"from\":{\"id\":" + chat + ",\"is_bot\":false,\"first_name\":\"Иван\",\"last_name\":\"Петров\"},"
                + content + "}}";
    }
}
