"""appraisal: multi-tenant government target-management appraisal (目标管理考核).

The web app is built by ``appraisal.platform.app.create_app``; the computation
engine (``appraisal.engine``) is importable on its own, without Flask.
"""
