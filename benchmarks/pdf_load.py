"""PDF benchmarks: rendering one claim summary against WeasyPrint's `<p>hello</p>`, and the approve request.

`pdf_render` runs in this process: after one warm-up render of each (fonts, imports), the two
alternate and the medians are compared. `approve` sends finance's approve request for checked
claims one after another (through gunicorn in full runs, after warm-up approvals for the workers),
so its median includes the PDF, the workflow's checks, storing the file and the commit; between
two approvals this process renders a summary too, and that median is its baseline, so that both
see the machine in the same state.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select

from benchmarks.common import median, result


def _render_summary(claim) -> None:
    from expenses import documents, pdf

    context = documents.summary_context(claim, claim.approved_by, claim.approved_at, "0" * 32)
    pdf.render(context, claim.language, claim.approved_at)


def _render_hello() -> None:
    import weasyprint

    weasyprint.HTML(string="<p>hello</p>").write_pdf()


@contextmanager
def summaries(population, count: int) -> Iterator[Callable[[int], float]]:
    """`render(n)`: the ms to render the n-th of `count` approved claims' summaries, in this process, warm."""
    from expenses.extensions import db
    from expenses.models import Claim

    app = population.app()
    with app.test_request_context():
        claims = db.session.scalars(
            select(Claim).where(Claim.status.in_(("approved", "paid"))).order_by(Claim.id).limit(count)
        ).all()
        _render_hello()
        _render_summary(claims[0])

        def render(n: int) -> float:
            started = time.perf_counter()
            _render_summary(claims[n % len(claims)])
            return (time.perf_counter() - started) * 1000

        yield render
        db.session.remove()


def pdf_render(population, quick: bool = False, runs: int = 15) -> dict:
    runs = 2 if quick else runs
    hellos, rendered = [], []
    with summaries(population, runs) as render:
        for n in range(runs):
            started = time.perf_counter()
            _render_hello()
            hellos.append((time.perf_counter() - started) * 1000)
            rendered.append(render(n))
    value, baseline = median(rendered), median(hellos)
    return result(
        "pdf_render",
        round(value, 1),
        "ms",
        round(baseline, 1),
        round(value / baseline, 2),
        "≤ 10× WeasyPrint <p>hello</p>",
        value <= 10 * baseline,
        _note=f"median of {runs}; min {min(rendered):.0f} ms, max {max(rendered):.0f} ms",
    )


def checked_claims(population) -> list[int]:
    from expenses.extensions import db
    from expenses.models import Claim

    app = population.app()
    with app.app_context():
        ids = db.session.scalars(select(Claim.id).where(Claim.status == "checked").order_by(Claim.id)).all()
        db.session.remove()
    return list(ids)


def approve(client, population, quick: bool = False, runs: int = 15, warm: int = 10) -> dict:
    """Approve checked claims one at a time, each after a summary rendered here (the baseline); the `warm`
    first ones untimed (each worker's first PDF imports WeasyPrint and loads fonts)."""
    runs, warm = (2, 1) if quick else (runs, warm)
    ids = checked_claims(population)
    if len(ids) < runs + warm:
        raise RuntimeError(f"only {len(ids)} checked claims to approve")
    headers = {"Authorization": f"Bearer {population.tokens['approver']}", "Content-Type": "application/json"}
    times, renders = [], []
    with summaries(population, runs) as render:
        for n, claim_id in enumerate(ids[: warm + runs]):
            rendered = render(n)
            started = time.perf_counter()
            status, _h, data = client.call("POST", f"/api/v1/claims/{claim_id}/approve", headers, b"{}")
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"approving claim {claim_id} answered {status}: {data[:300]!r}")
            if n >= warm:
                times.append(elapsed)
                renders.append(rendered)
    value, baseline = median(times), median(renders)
    ratio = value / baseline
    return result(
        "approve",
        round(value, 1),
        "ms",
        round(baseline, 1),
        round(ratio, 2),
        "≤ 1.3× pdf_render",
        ratio <= 1.3,
        _note=(
            f"median of {runs} after {warm} warm-up; min {min(times):.0f} ms, max {max(times):.0f} ms; "
            f"baseline: a summary rendered here before each"
        ),
    )
