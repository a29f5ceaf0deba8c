"""SurveyCoder client: poll one job, list recent jobs (``GET /v2/jobs`` caps at 100, no cursor)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..transport import JsonGetter, contract_error, unexpected_status, validated
from .wire import CodebookResult, CodingResult, Job, JobEnvelope, JobListEnvelope, JobSummary

LABEL = "SurveyCoder"
LIST_LIMIT = 100


class SurveyCoderClient:
    def __init__(self, http: JsonGetter) -> None:
        self._http = http

    async def job(self, job_id: str) -> Job | None:
        found = await self.job_with_body(job_id)
        return None if found is None else found[0]

    async def job_with_body(self, job_id: str) -> tuple[Job, Any] | None:
        """The job, and its raw ``data`` body (what a results reader stores and absorbs)."""
        reply = await self._http.get(f"/v2/jobs/{job_id}")
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise unexpected_status(LABEL, reply)
        job = validated(LABEL, reply, JobEnvelope, "job").data
        return job, reply.body["data"]

    @staticmethod
    def job_from_body(body: Any) -> Job:
        try:
            return Job.model_validate(body)
        except ValidationError as exc:
            raise contract_error(LABEL, "job", exc, None) from None

    async def list_jobs(self, status: str | None = None, limit: int = LIST_LIMIT) -> list[JobSummary]:
        params = {"limit": str(limit)}
        if status:
            params["status"] = status
        reply = await self._http.get("/v2/jobs", params)
        if reply.status != 200:
            raise unexpected_status(LABEL, reply)
        return validated(LABEL, reply, JobListEnvelope, "job list").data

    @staticmethod
    def coding_result(job: Job) -> CodingResult:
        try:
            return CodingResult.model_validate(job.result or {})
        except ValidationError as exc:
            raise contract_error(LABEL, "coding result", exc, None) from None

    @staticmethod
    def codebook_result(job: Job) -> CodebookResult:
        try:
            return CodebookResult.model_validate(job.result or {})
        except ValidationError as exc:
            raise contract_error(LABEL, "codebook result", exc, None) from None
