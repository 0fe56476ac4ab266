<?php
// Creates an exsync tenant and a tenant API key through the sync service's REST API; prints the key on stdout.
// Env: EXSYNC_SERVICE_URL, EXSYNC_ADMIN_KEY, EXSYNC_NEXTCLOUD_URL, EXSYNC_TENANT_NAME (default "Nextcloud").
declare(strict_types=1);

function api(string $method, string $path, array $body): array {
	$url = rtrim((string)getenv('EXSYNC_SERVICE_URL'), '/') . $path;
	$context = stream_context_create(['http' => [
		'method' => $method,
		'header' => "Authorization: Bearer " . getenv('EXSYNC_ADMIN_KEY') . "\r\nContent-Type: application/json\r\n",
		'content' => json_encode($body),
		'ignore_errors' => true,
		'timeout' => 30,
	]]);
	$text = @file_get_contents($url, false, $context);
	$status = isset($http_response_header[0]) ? (int)explode(' ', $http_response_header[0])[1] : 0;
	if ($text === false || $status < 200 || $status >= 300) {
		fwrite(STDERR, "exsync: $method $path answered $status: " . (string)$text . "\n");
		exit(1);
	}
	return json_decode($text, true, 512, JSON_THROW_ON_ERROR);
}

$tenant = api('POST', '/v1/tenants', [
	'name' => getenv('EXSYNC_TENANT_NAME') ?: 'Nextcloud',
	'nextcloudUrl' => (string)getenv('EXSYNC_NEXTCLOUD_URL'),
]);
$key = api('POST', '/v1/tenants/' . $tenant['id'] . '/api-keys', ['label' => 'nextcloud app']);
echo $key['key'];
