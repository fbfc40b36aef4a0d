package ru.rosdistant.gateway.offline;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * The offline form as the widget posts it. {@code dialogId} with {@code visitorToken} names the chat the
 * visitor had before; {@code clientFormId}, the widget's own id for this submission, makes a retry safe.
 */
@EmailOrPhone
record OfflineFormRequest(
        @NotBlank(message = "Укажите сайт") @KnownSite String site,
        @NotBlank(message = "Укажите имя") @Size(max = 200, message = "Имя длиннее 200 символов")
        @Pattern(regexp = "[^\\p{Cntrl}]*", message = "Имя содержит недопустимые символы") String name,
        @Size(max = 254, message = "Адрес длиннее 254 символов")
        @Email(regexp = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+", message = "Неверный адрес электронной почты") String email,
        @ValidPhone String phone,
        @NotBlank(message = "Напишите вопрос") @Size(max = 4000, message = "Вопрос длиннее 4000 символов")
        @Pattern(regexp = "[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]*", message = "Вопрос содержит недопустимые символы")
        String question,
        @NotNull(message = "Нужно согласие на обработку персональных данных")
        @AssertTrue(message = "Нужно согласие на обработку персональных данных") Boolean consent,
        String dialogId,
        @Size(max = 100, message = "Неверный токен посетителя") String visitorToken,
        @Size(max = 64, message = "Идентификатор формы длиннее 64 символов") String clientFormId) {
}
