/**
 * The HTTP edge every door of the gateway shares (REST endpoints, both sockets, the webhooks): who the client is
 * ({@code ClientAddress}, from forwarded headers only through {@code gateway.web.trusted-proxies}), the token buckets
 * its limits count in ({@code TokenBucket} per connection, {@code ClientBuckets} per client address), how long a
 * request may take ({@code RequestTimeout}, {@code HeaderTimeout}, {@code KeepAliveReads}), and how a client's mistake
 * is answered ({@code ProblemAnswers}, {@code ClientFaults}), and how a REST list answers its limit and offset
 * ({@code Paging}). It knows no module of the gateway, so that any module with a door may use it.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {})
package ru.rosdistant.gateway.web;
