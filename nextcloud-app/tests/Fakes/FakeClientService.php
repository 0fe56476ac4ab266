<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\Http\Client\IClient;
use OCP\Http\Client\IClientService;
use OCP\Http\Client\IResponse;

abstract class FakeResponse implements IResponse {
	use Fake;

	public function __construct(private int $status, private string $body = '', private array $headers = []) {
	}
	public function getBody() {
		return $this->body;
	}
	public function getStatusCode(): int {
		return $this->status;
	}
	public function getHeader(string $key): string {
		return $this->headers[$key] ?? '';
	}
	public function getHeaders(): array {
		return $this->headers;
	}
}

/**
 * A sync service stand-in behind IClientService: records each request (method, url, options) and
 * answers through a handler, default 200 {}. Throws like Nextcloud's client when told to.
 */
abstract class FakeClientService implements IClientService, IClient {
	use Fake;

	/** @var list<array{method: string, url: string, options: array}> */
	public array $requests = [];
	/** @var callable(string, string, array): IResponse */
	public $handler;

	public function __construct(?callable $handler = null) {
		$this->handler = $handler ?? static fn () => FakeResponse::make(200, '{}');
	}

	public static function json(int $status, array $body): FakeResponse {
		return FakeResponse::make($status, json_encode($body, JSON_THROW_ON_ERROR), ['Content-Type' => 'application/json']);
	}

	public function newClient(): IClient {
		return $this;
	}
	public function get(string $uri, array $options = []): IResponse {
		return $this->send('GET', $uri, $options);
	}
	public function post(string $uri, array $options = []): IResponse {
		return $this->send('POST', $uri, $options);
	}
	public function put(string $uri, array $options = []): IResponse {
		return $this->send('PUT', $uri, $options);
	}
	public function delete(string $uri, array $options = []): IResponse {
		return $this->send('DELETE', $uri, $options);
	}

	/** @return list<array{method: string, url: string, options: array}> */
	public function requestsTo(string $method, string $pathPrefix): array {
		return array_values(array_filter($this->requests, static fn (array $r) => $r['method'] === $method
			&& str_starts_with((string)parse_url($r['url'], PHP_URL_PATH), $pathPrefix)));
	}

	private function send(string $method, string $uri, array $options): IResponse {
		$this->requests[] = ['method' => $method, 'url' => $uri, 'options' => $options];
		return ($this->handler)($method, $uri, $options);
	}
}
