<?php

declare(strict_types=1);

// OCP\AppFramework classes, reduced to what the app and its tests touch (stable30–33 signatures).

namespace OCP\AppFramework {
	use OCP\IRequest;

	class App {
		public function __construct(string $appName, array $urlParams = []) {
		}
	}

	class Http {
		public const STATUS_OK = 200;
		public const STATUS_CREATED = 201;
		public const STATUS_NO_CONTENT = 204;
		public const STATUS_BAD_REQUEST = 400;
		public const STATUS_UNAUTHORIZED = 401;
		public const STATUS_FORBIDDEN = 403;
		public const STATUS_NOT_FOUND = 404;
		public const STATUS_UNPROCESSABLE_ENTITY = 422;
		public const STATUS_BAD_GATEWAY = 502;
		public const STATUS_SERVICE_UNAVAILABLE = 503;
	}

	abstract class Controller {
		public function __construct(protected string $appName, protected IRequest $request) {
		}
	}
}

namespace OCP\AppFramework\Http {
	use OCP\AppFramework\Http;

	class Response {
		protected int $status = Http::STATUS_OK;
		public function getStatus() {
			return $this->status;
		}
		public function setStatus($status) {
			$this->status = $status;
			return $this;
		}
	}

	class JSONResponse extends Response {
		public function __construct(protected $data = [], int $statusCode = Http::STATUS_OK, array $headers = []) {
			$this->status = $statusCode;
		}
		public function getData() {
			return $this->data;
		}
		public function render() {
			return json_encode($this->data, JSON_THROW_ON_ERROR);
		}
	}

	class TemplateResponse extends Response {
		public function __construct(
			protected string $appName,
			protected string $templateName,
			protected array $params = [],
			protected string $renderAs = 'user',
			int $status = Http::STATUS_OK,
			array $headers = [],
		) {
			$this->status = $status;
		}
		public function getTemplateName() {
			return $this->templateName;
		}
		public function getParams() {
			return $this->params;
		}
	}
}

namespace OCP\AppFramework\Http\Attribute {
	use Attribute;

	#[Attribute(Attribute::TARGET_METHOD | Attribute::IS_REPEATABLE)]
	class Route {
		public const TYPE_API = 'ocs';
		public const TYPE_FRONTPAGE = 'routes';
		public function __construct(
			protected string $type,
			protected string $verb,
			protected string $url,
			protected ?array $requirements = null,
			protected ?array $defaults = null,
			protected ?string $root = null,
			protected ?string $postfix = null,
		) {
		}
		public function getVerb(): string {
			return $this->verb;
		}
		public function getUrl(): string {
			return $this->url;
		}
	}

	#[Attribute(Attribute::TARGET_METHOD | Attribute::IS_REPEATABLE)]
	class FrontpageRoute extends Route {
		public function __construct(
			string $verb,
			string $url,
			?array $requirements = null,
			?array $defaults = null,
			?string $root = null,
			?string $postfix = null,
		) {
			parent::__construct(Route::TYPE_FRONTPAGE, $verb, $url, $requirements, $defaults, $root, $postfix);
		}
	}

	#[Attribute(Attribute::TARGET_METHOD)]
	class PasswordConfirmationRequired {
	}

	#[Attribute(Attribute::TARGET_METHOD)]
	class NoAdminRequired {
	}

	#[Attribute(Attribute::TARGET_METHOD)]
	class NoCSRFRequired {
	}
}
