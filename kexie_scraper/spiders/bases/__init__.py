"""One base per CMS family: a provincial spider on a known family is a declaration.

| base | family | list | paging |
|---|---|---|---|
| ``HanwebJcmsSpider`` | Hanweb jcms (大汉) | `<datastore>` records in the page | `/module/web/jpage/dataproxy.jsp?page=N` (XML) |
| ``HanwebJpaasSpider`` | Hanweb JPAAS | a `bulidstatic` unit script | the unit URL + `paramJson={"pageNo":N,…}` (JSON) |
| ``TrsSpider`` | TRS WCM | static HTML | `createPageHTML(count, index, "index", "html")` → `index_N.html` |
| ``PathPagedSpider`` | page number in the path | static HTML | `…/15/{page}.html` until a short page |

Each base reads only the pages of its own form and passes any other page to ``super()``,
so a site that moved between families inherits from both (``CastSpider``).
"""

from .hanweb_jcms import HanwebJcmsSpider
from .hanweb_jpaas import HanwebJpaasSpider
from .path_paged import PathPagedSpider
from .trs import TrsSpider

__all__ = ["HanwebJcmsSpider", "HanwebJpaasSpider", "PathPagedSpider", "TrsSpider"]
