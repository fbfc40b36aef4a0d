package ru.rosdistant.gateway.task;

import java.util.regex.Pattern;

import org.springframework.web.util.HtmlUtils;

/**
 * iTop keeps a request's solution as HTML; the task, the card and the person get it as plain text: line breaks
 * where blocks and {@code <br>} were, every other tag dropped, entities decoded.
 */
final class HtmlText {

    private static final Pattern BREAKS = Pattern.compile("(?i)<br\\s*/?>|</(p|div|li|h[1-6]|tr|pre)>");

    private static final Pattern TAGS = Pattern.compile("<[^>]*>");

    private static final Pattern SPACES = Pattern.compile("[ \\t\\x0B\\f\\r]+");

    private static final Pattern BLANK_LINES = Pattern.compile("\\n{3,}");

    private HtmlText() {
    }

    static String plain(String html) {
        if (html == null || html.isBlank()) {
            return "";
        }
        String text = BREAKS.matcher(html).replaceAll("\n");
        text = TAGS.matcher(text).replaceAll("");
        text = HtmlUtils.htmlUnescape(text).replace('\u00a0', ' ');
        text = SPACES.matcher(text).replaceAll(" ");
        return BLANK_LINES.matcher(text.replaceAll(" *\\n *", "\n")).replaceAll("\n\n").strip();
    }
}
