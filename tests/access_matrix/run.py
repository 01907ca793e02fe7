"""Calling one endpoint as one user against one side of the world; each call rolled back."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from tests.access_matrix.harness import KNOWN, RECORD_PARAMS, Endpoint, body_of, query_of
from tests.access_matrix.world import World


def concrete_path(endpoint: Endpoint, world: World, side: str, pk_kind: str = "") -> str:
    """The path with its parameters filled: scoped records from `side` of the world (a bare
    `pk` names the kind the rule says), other parameters with a fixed known value."""
    path = endpoint.path
    kinds = {**RECORD_PARAMS, **({"pk": pk_kind} if pk_kind else {})}
    for name in endpoint.params:
        if name in kinds:
            value = str(world.ids[side][kinds[name]])
        else:
            default = "1" if name.endswith(("id", "pk", "number")) else "x"
            value = world.fixed.get(name, KNOWN.get(name, default))
        path = path.replace("{" + name + "}", value)
    return path


def call(client: Client, endpoint: Endpoint, path: str, components: dict, user, token) -> int:
    """The answer's status; the call's writes are rolled back, so calls do not meet."""
    with transaction.atomic():
        if endpoint.schema is not None:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
            response = _api(client, endpoint, path, components, headers)
        else:
            if user is not None:
                client.force_login(user)  # a page may have signed the client out
            response = client.get(path)
            if response.status_code == 405:  # a form target: its method is POST
                response = client.post(path, {})
        transaction.set_rollback(True)
    return response.status_code


def _api(client: Client, endpoint: Endpoint, path: str, components: dict, headers: dict):
    query = query_of(endpoint, components)
    if query:
        from urllib.parse import urlencode

        path = f"{path}?{urlencode(query)}"
    content = (endpoint.schema or {}).get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:  # an upload: a small file in each required field
        schema = content["multipart/form-data"]["schema"]
        schema = components.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
        files = {name: SimpleUploadedFile(f"{name}.wav", b"RIFF") for name in schema["required"]}
        return client.post(path, files, **headers)
    body = body_of(endpoint, components)
    method = getattr(client, endpoint.method.lower())
    if body is None:
        return method(path, **headers)
    return method(path, body, content_type="application/json", **headers)
