<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Browser;

use OCA\Exsync\Tests\Fakes\Fake;
use OCA\Exsync\Tests\Fakes\FakeResponse;
use OCP\Http\Client\IClient;
use OCP\Http\Client\IClientService;
use OCP\Http\Client\IResponse;
use OCP\Http\Client\LocalServerException;
use OCP\Security\ISecureRandom;

/**
 * Nextcloud's HTTP client as the app sees it, doing REAL requests (to the sync service the browser test started).
 * Like Nextcloud's client it refuses loopback and private addresses unless the request says
 * 'nextcloud' => ['allow_local_address' => true], with the same message.
 */
abstract class HttpClientService implements IClientService, IClient {
	use Fake;

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

	private function send(string $method, string $uri, array $options): IResponse {
		$host = (string)parse_url($uri, PHP_URL_HOST);
		$isIp = filter_var($host, FILTER_VALIDATE_IP) !== false;
		$local = in_array($host, ['localhost', '[::1]'], true)
			|| ($isIp && filter_var($host, FILTER_VALIDATE_IP, FILTER_FLAG_NO_PRIV_RANGE | FILTER_FLAG_NO_RES_RANGE) === false);
		if ($local && !($options['nextcloud']['allow_local_address'] ?? false)) {
			throw new LocalServerException('Host "' . $host . '" violates local access rules');
		}
		$headers = [];
		foreach ($options['headers'] ?? [] as $name => $value) {
			$headers[] = $name . ': ' . $value;
		}
		$content = null;
		if (array_key_exists('json', $options)) {
			$headers[] = 'Content-Type: application/json';
			$content = json_encode($options['json'], JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
		}
		$context = stream_context_create(['http' => [
			'method' => $method,
			'header' => implode("\r\n", $headers),
			'content' => $content ?? '',
			'ignore_errors' => true,
			'timeout' => (float)($options['timeout'] ?? 30),
		]]);
		$body = @file_get_contents($uri, false, $context);
		if ($body === false) {
			throw new \RuntimeException('cURL error 7: Failed to connect to ' . $host);
		}
		/** @var list<string> $http_response_header */
		preg_match('#^HTTP/\S+ (\d{3})#', $http_response_header[0] ?? '', $m);
		return FakeResponse::make((int)($m[1] ?? 0), $body);
	}
}

/** Real randomness for app passwords (the unit tests use a predictable sequence instead). */
abstract class RealRandom implements ISecureRandom {
	use Fake;

	public function generate(int $length, string $characters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
		$out = '';
		for ($i = 0; $i < $length; $i++) {
			$out .= $characters[random_int(0, strlen($characters) - 1)];
		}
		return $out;
	}
}
